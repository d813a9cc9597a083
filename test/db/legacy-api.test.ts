import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserKeys } from '@byok/db';
import { buildUserRoutes, createSystemKeySet, resolveRoute } from '@byok/routing';
import { backfillKeyHints } from '@byok/worker';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/legacy/${name}`, import.meta.url), 'utf8');
const expected = JSON.parse(fixture('expected.json')) as {
  encryption_key: string;
  rows: Array<{ id: string; user_id: string; provider: string; plaintext: string; enabled: boolean; metadata: Record<string, unknown> }>;
};
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe("the earlier system's database, served by the new service", () => {
  let h: ApiHarness;
  beforeAll(async () => {
    // The deployment's single legacy variable, exactly as the Python system was configured.
    h = await startApiHarness('legacy_api', {
      database: { before: [fixture('schema.sql'), fixture('rows.sql')] },
      env: { BYOK_ENCRYPTION_KEYS: '', BYOK_ENCRYPTION_KEY: expected.encryption_key },
    });
  });
  afterAll(() => h.close());

  it('backfills masked hints for every legacy row without loss', async () => {
    const result = await backfillKeyHints({ orm: h.runtime.orm, keyring: h.runtime.keyring, logger: h.runtime.logger });
    expect(result).toMatchObject({ hinted: 5, undecryptable: 0 });
  });

  it('lists each user its own legacy keys, masked, with enabled flags and metadata kept', async () => {
    for (const userId of new Set(expected.rows.map((r) => r.user_id))) {
      const res = await h.app.inject({ url: '/api/v1/llm/byok/keys', headers: { authorization: `Bearer ${await h.token(userId)}` } });
      expect(res.statusCode).toBe(200);
      const keys = res.json().keys as Array<{ id: string; provider: string; masked_key: string; enabled: boolean; metadata: Record<string, unknown>; usable: boolean }>;
      const mine = expected.rows.filter((r) => r.user_id === userId);
      expect(keys.map((k) => k.id).sort()).toEqual(mine.map((r) => r.id).sort());
      for (const row of mine) {
        const key = keys.find((k) => k.id === row.id);
        expect(key?.masked_key.endsWith(row.plaintext.slice(-4))).toBe(true);
        expect(key?.masked_key).toContain('****…****');
        expect(key?.enabled).toBe(row.enabled);
        expect(key?.usable).toBe(row.enabled);
        expect(key?.metadata).toEqual(row.metadata);
        expect(res.body).not.toContain(row.plaintext);
      }
    }
  });

  it('decrypts every Python-made token to its plaintext and routes with it', async () => {
    const em = h.runtime.orm.em.fork();
    const rows = await findUserKeys(em, 'admin@example.com');
    for (const row of rows) {
      const want = expected.rows.find((r) => r.id === row.id);
      expect(sha(h.runtime.keyring.decrypt(row.apiKeyEncrypted))).toBe(sha(want?.plaintext ?? ''));
    }
    const routes = buildUserRoutes('admin@example.com', rows, h.runtime.keyring);
    const resolved = resolveRoute(routes, createSystemKeySet({}), 'claude-3-5-sonnet', null);
    expect(resolved.decision.outcome).toBe('routed');
    if (resolved.decision.outcome === 'routed') expect(resolved.decision.chosen).toMatchObject({ credentialSource: 'user_openrouter', provider: 'openrouter' });
    expect(sha(resolved.apiKey ?? '')).toBe(sha(expected.rows[0]?.plaintext ?? ''));
  });

  it('a key replaced through the API is readable back by the same keyring and keeps the row id', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/llm/byok/keys',
      headers: { authorization: `Bearer ${await h.token('admin@example.com')}` },
      payload: { provider: 'openai', api_key: `sk-proj-${'FakeTestKey0'.repeat(6)}AbT3BlbkFJ${'FakeTestKey0'.repeat(6)}Ab` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: '52b5d369-f12e-46e0-8f3f-8dbfba9aad62', key_version: 2 });
  });
});
