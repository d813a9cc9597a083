import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoredKeyring, generateKey, keyFingerprint } from '@byok/crypto';
import { StoredKeysUnreadableError } from '@byok/runtime';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { dropTestRedisPrefixes, gatewayEnv, openTestRuntime, runChildToEnd, seedRows, testRedisPrefix } from './support/rotation-fixtures.js';

const OLD = generateKey();
const NEW = generateKey();
const fixture = (name: string) => readFileSync(new URL(`../fixtures/legacy/${name}`, import.meta.url), 'utf8');
const legacy = JSON.parse(fixture('expected.json')) as { encryption_key: string };

/** Opens a runtime and closes it again; resolves to the refusal, or null when it started. */
async function boot(db: TestDatabase, keys: string[], mode?: 'warn'): Promise<{ refusal: StoredKeysUnreadableError | null; logs: string }> {
  try {
    const t = await openTestRuntime(db, keys, mode ? { storedKeysCheck: mode } : {});
    await t.runtime.close();
    return { refusal: null, logs: t.logs.join('') };
  } catch (error) {
    if (error instanceof StoredKeysUnreadableError) return { refusal: error, logs: '' };
    throw error;
  }
}

describe('start-up refuses a key list that would leave stored keys undecryptable', () => {
  let recorded: TestDatabase;
  let unrecorded: TestDatabase;
  beforeAll(async () => {
    recorded = await createTestDatabase('startup_recorded');
    await seedRows(recorded, createStoredKeyring([OLD]), { count: 30, style: 'bound' });
    await seedRows(recorded, createStoredKeyring([NEW]), { count: 5, from: 30, style: 'bound' });
    unrecorded = await createTestDatabase('startup_unrecorded');
    await seedRows(unrecorded, createStoredKeyring([OLD]), { count: 12, style: 'legacy' });
  });
  afterAll(async () => {
    await recorded.drop();
    await unrecorded.drop();
    await dropTestRedisPrefixes();
  });

  it('names the missing key fingerprint and how many rows need it (recorded fingerprints)', async () => {
    const { refusal } = await boot(recorded, [NEW]);
    expect(refusal?.message).toContain(`30 rows are encrypted with key fingerprint ${keyFingerprint(OLD)}, which is not configured`);
    expect(refusal?.message).toContain(`configured key fingerprints: ${keyFingerprint(NEW)}`);
    expect(refusal?.message).not.toContain(OLD);
    expect(refusal?.message).not.toContain(NEW);
    expect(refusal?.check.coverage.keys).toEqual([{ index: 0, fingerprint: keyFingerprint(NEW), rows: 5, untagged: 0 }]);
  });

  it('refuses rows without a recorded fingerprint that no configured key opens, naming some ids', async () => {
    const { refusal } = await boot(unrecorded, [NEW]);
    expect(refusal?.message).toMatch(/12 of 12 checked rows without a recorded fingerprint \(of 12\) open with no configured key \(ids: [0-9a-f-]{36}, /);
  });

  it('starts when every row is covered: the new key first and the old one after it', async () => {
    expect((await boot(recorded, [NEW, OLD])).refusal).toBeNull();
    const started = await boot(unrecorded, [NEW, OLD]);
    expect(started.refusal).toBeNull();
    expect(started.logs).toContain('stored keys are readable with the configured encryption keys');
  });

  it("warns instead in 'warn' mode (the keys:* scripts)", async () => {
    const { refusal, logs } = await boot(recorded, [NEW], 'warn');
    expect(refusal).toBeNull();
    expect(logs).toContain('serving processes refuse to start like this');
    expect(logs).toContain(keyFingerprint(OLD));
  });

  it('works before migrations: an empty database starts, a legacy one is checked by decrypting', async () => {
    const empty = await createTestDatabase('startup_empty', { migrate: false });
    const old = await createTestDatabase('startup_legacy', { migrate: false, before: [fixture('schema.sql'), fixture('rows.sql')] });
    try {
      expect((await boot(empty, [NEW])).refusal).toBeNull();
      expect((await boot(old, [legacy.encryption_key])).refusal).toBeNull();
      expect((await boot(old, [NEW])).refusal?.message).toMatch(/5 of 5 checked rows without a recorded fingerprint/);
    } finally {
      await empty.drop();
      await old.drop();
    }
  });

  it('refuses a key list that leaves webhook signing secrets undecryptable, naming the webhook', async () => {
    const hooks = await createTestDatabase('startup_webhooks');
    try {
      const [hook] = await hooks.sql<{ id: string }>(
        "INSERT INTO webhooks (user_id, url, events, secret_encrypted) VALUES ('hook-owner', 'https://hooks.example.com/x', ARRAY['key_invalid'], $1) RETURNING id",
        [createStoredKeyring([OLD]).encrypt('whsec_fake-signing-secret-for-tests')],
      );
      const { refusal } = await boot(hooks, [NEW]);
      expect(refusal?.message).toContain(`1 of 1 checked webhook signing secrets open with no configured key (webhook ids: ${hook?.id})`);
      expect(refusal?.message).not.toContain('whsec_');
      expect((await boot(hooks, [NEW, OLD])).refusal).toBeNull();
    } finally {
      await hooks.drop();
    }
  });

  it('starts without checking (and says so) when Postgres cannot be reached', { timeout: 20_000 }, async () => {
    const unreachable = { ...recorded, url: 'postgres://postgres@127.0.0.1:1/nowhere' };
    const { refusal, logs } = await boot(unreachable, [NEW]);
    expect(refusal).toBeNull();
    expect(logs).toContain('stored keys were not checked');
  });

  it('the standalone and worker processes exit with the message instead of serving', { timeout: 60_000 }, async () => {
    const env = gatewayEnv(recorded, [NEW], testRedisPrefix('startup'));
    for (const entry of ['apps/standalone/src/main.ts', 'apps/worker/src/main.ts']) {
      const { code, output } = await runChildToEnd(entry, [], { ...env, PORT: '0' });
      expect(code, entry).toBe(1);
      expect(output, entry).toContain(`30 rows are encrypted with key fingerprint ${keyFingerprint(OLD)}`);
      expect(output, entry).not.toContain(OLD);
    }
  });
});
