import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikeGatewayToken } from '@byok/auth';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

describe('gateway tokens API', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('tokens');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    bob = { authorization: `Bearer ${await h.token('bob')}` };
  });
  afterAll(() => h.close());

  it('creates a token shown once, stores only its hash, lists it without the token, and audits it', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: alice, payload: { name: 'open-webui', expires_in_days: 30 } });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const created = res.json();
    expect(looksLikeGatewayToken(created.token)).toBe(true);
    expect(created.token.startsWith(created.prefix)).toBe(true);
    expect(new Date(created.expires_at).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const [row] = await h.db.sql<{ token_hash: string }>('SELECT token_hash FROM gateway_tokens WHERE id = $1', [created.id]);
    expect(row?.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
    const list = await h.app.inject({ url: '/api/v1/llm/tokens', headers: alice });
    expect(list.json().tokens).toEqual([expect.objectContaining({ id: created.id, name: 'open-webui', revoked_at: null })]);
    expect(list.body).not.toContain(created.token);
    const dump = (await h.db.sql('SELECT * FROM audit_log')).map((r) => JSON.stringify(r)).join('');
    expect(dump).toContain('token.created');
    expect(dump).not.toContain(created.token);
  });

  it('revokes only the caller\'s own token (404 for anyone else\'s)', async () => {
    const created = (await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: alice, payload: { name: 'cli' } })).json();
    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/llm/tokens/${created.id}`, headers: bob })).statusCode).toBe(404);
    expect((await h.app.inject({ url: '/api/v1/llm/tokens', headers: bob })).json().tokens).toEqual([]);
    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/llm/tokens/${created.id}`, headers: alice })).statusCode).toBe(204);
    const tokens = (await h.app.inject({ url: '/api/v1/llm/tokens', headers: alice })).json().tokens as Array<{ id: string; revoked_at: string | null }>;
    expect(tokens.find((t) => t.id === created.id)?.revoked_at).not.toBeNull();
    const audit = await h.db.sql<{ action: string }>(`SELECT action FROM audit_log WHERE action = 'token.revoked'`);
    expect(audit).toHaveLength(1);
  });

  it('rejects bad input with 400 naming the field', async () => {
    for (const payload of [{}, { name: '' }, { name: 'x', expires_in_days: 0 }, { name: 'x', scope: 'all' }]) {
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: alice, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/llm/tokens/not-a-uuid', headers: alice })).statusCode).toBe(400);
    expect((await h.app.inject({ url: '/api/v1/llm/tokens' })).statusCode).toBe(401);
  });
});
