import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoredKeyring, generateKey, keyFingerprint } from '@byok/crypto';
import { findUserKeys } from '@byok/db';
import { openRuntime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { createRouteCache, type RouteCache } from '@byok/routing';
import { createKeyTestProcessor, recordKeyBindings, rotateEncryption } from '@byok/worker';
import { FAKE_KEYS, startApiHarness, TEST_ENCRYPTION_KEY, type ApiHarness } from '../support/api-harness.js';

const NEW = generateKey();
/** Provider calls go nowhere: a refused key must never reach a provider, and nothing here may reach a real one. */
const NOWHERE = 'http://127.0.0.1:1';

describe('a token moved into another row is refused', () => {
  let h: ApiHarness;
  let cache: RouteCache;
  const undecryptable: string[] = [];
  const ids = new Map<string, string>();

  const save = async (userId: string, apiKey: string): Promise<string> => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: { authorization: `Bearer ${await h.token(userId)}` }, payload: { provider: 'openai', api_key: apiKey } });
    expect(res.statusCode, res.body).toBe(201);
    const id = (res.json() as { id: string }).id;
    ids.set(userId, id);
    return id;
  };
  const row = async (userId: string) =>
    (await h.db.sql<{ id: string; api_key_encrypted: string; binding_tag: string | null; key_fingerprint: string | null; test_status: string; metadata: { validation?: { outcome?: string } } }>(
      'SELECT id, api_key_encrypted, binding_tag, key_fingerprint, test_status, metadata FROM user_provider_keys WHERE user_id = $1',
      [userId],
    ))[0];
  /** Copies one user's token (and its tag, unless told otherwise) into another user's row, as a bad UPDATE or restore would. */
  const moveToken = async (from: string, to: string, tag: 'keep' | 'clear' = 'keep') => {
    await h.db.sql(
      `UPDATE user_provider_keys d SET api_key_encrypted = s.api_key_encrypted, binding_tag = ${tag === 'keep' ? 's.binding_tag' : 'NULL'}
       FROM user_provider_keys s WHERE s.user_id = $1 AND d.user_id = $2`,
      [from, to],
    );
    cache.invalidate(to);
  };
  const credential = async (userId: string) => (await cache.get(userId)).credentialFor(ids.get(userId) ?? '');

  beforeAll(async () => {
    h = await startApiHarness('rotation_binding', { env: { BYOK_ENCRYPTION_KEYS: `${NEW},${TEST_ENCRYPTION_KEY}`, PROVIDER_OPENAI_BASE_URL: NOWHERE } });
    // Wired like the proxy's: rows from findUserKeys, the runtime's keyring.
    cache = createRouteCache({
      loadUserKeys: (userId) => findUserKeys(h.runtime.orm.em.fork(), userId),
      keyring: h.runtime.keyring,
      subscribe: async () => async () => {},
      onUndecryptableKey: (userId, keyId) => undecryptable.push(`${userId}:${keyId}`),
    });
  });
  afterAll(() => h.close());

  it('the API stores each saved key with its binding tag and key fingerprint', async () => {
    await save('alice', FAKE_KEYS.openai);
    await save('bob', FAKE_KEYS.openai.replace('FakeTestKey0', 'BobsTestKey0'));
    for (const user of ['alice', 'bob']) {
      const stored = await row(user);
      expect(stored?.binding_tag).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(stored?.key_fingerprint).toBe(keyFingerprint(NEW));
    }
    expect(await credential('bob')).toBe(FAKE_KEYS.openai.replace('FakeTestKey0', 'BobsTestKey0'));
  });

  it('concurrent first saves of one key (racing to create the row) still leave it bound to the row that won', async () => {
    const erin = { authorization: `Bearer ${await h.token('erin')}` };
    const keys = Array.from({ length: 20 }, (_, i) => FAKE_KEYS.openai.replace('FakeTestKey0', `ErinsKey${String(i).padStart(4, '0')}`));
    const results = await Promise.all(keys.map((api_key) => h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: erin, payload: { provider: 'openai', api_key } })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([...Array(19).fill(200), 201]);
    const stored = await row('erin');
    const plaintext = h.runtime.keyring.openBound({ id: stored?.id ?? '', userId: 'erin', provider: 'openai', token: stored?.api_key_encrypted ?? '', bindingTag: stored?.binding_tag ?? null });
    expect(keys).toContain(plaintext);
    expect(stored?.binding_tag).not.toBeNull();
    expect(stored?.key_fingerprint).toBe(keyFingerprint(NEW));
  });

  it("alice's token with its tag, copied into bob's row: bob's route cache marks it undecryptable and logs only the id", async () => {
    await moveToken('alice', 'bob');
    expect(await credential('bob')).toBeUndefined();
    const routes = await cache.get('bob');
    expect(routes.keys.byProvider.get('openai')?.[0]?.key.unusable).toBe('undecryptable');
    expect(undecryptable).toEqual([`bob:${ids.get('bob')}`]);
    expect(await credential('alice')).toBe(FAKE_KEYS.openai);
  });

  it('the worker records error (undecryptable) for it and never calls a provider', async () => {
    const processor = createKeyTestProcessor({ orm: h.runtime.orm, keyring: h.runtime.keyring, config: h.config, logger: h.runtime.logger });
    const bob = await row('bob');
    const version = (await h.db.sql<{ key_version: number }>('SELECT key_version FROM user_provider_keys WHERE id = $1', [bob?.id]))[0]?.key_version ?? 1;
    const job = { id: 'moved-1', data: { keyId: bob?.id, keyVersion: version, userId: 'bob', provider: 'openai', reason: 'manual', actorId: 'bob' }, attemptsMade: 0, opts: { attempts: 1 } };
    await expect(processor(job)).rejects.toMatchObject({ name: 'UnrecoverableError', message: 'The stored key cannot be decrypted with the configured encryption keys.' });
    const after = await row('bob');
    expect(after?.test_status).toBe('error');
    expect(after?.metadata.validation?.outcome).toBe('undecryptable');
  });

  it('rotation leaves the moved token alone instead of re-tagging it for its new row', async () => {
    const result = await rotateEncryption({ orm: h.runtime.orm, keyring: h.runtime.keyring, logger: h.runtime.logger, requestedBy: 'test' });
    expect(result).toMatchObject({ bindingMismatch: 1 });
    cache.invalidate('bob');
    expect(await credential('bob')).toBeUndefined();
  });

  it('legacy untagged rows keep working, get a tag from the backfill, and are then protected too', async () => {
    // As the earlier system wrote it: under the old key, no tag, no fingerprint.
    const old = createStoredKeyring([TEST_ENCRYPTION_KEY]);
    const legacyToken = old.encrypt('sk-proj-carols-legacy-fake-key');
    await h.db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted) VALUES ('carol', 'openai', $1), ('dave', 'openai', $2)`, [legacyToken, old.encrypt('sk-proj-daves-legacy-fake-key')]);
    for (const user of ['carol', 'dave']) ids.set(user, (await row(user))?.id ?? '');
    expect(await credential('carol')).toBe('sk-proj-carols-legacy-fake-key');

    const recorded = await recordKeyBindings({ orm: h.runtime.orm, keyring: h.runtime.keyring, logger: h.runtime.logger });
    // Only rows missing a tag or fingerprint are read; bob's moved row has both and stays refused.
    expect(recorded).toMatchObject({ scanned: 2, recorded: 2, bindingMismatch: 0, undecryptable: 0 });
    expect(await h.db.sql(`SELECT details->>'recorded' AS recorded FROM audit_log WHERE action = 'encryption.bindings_recorded'`)).toEqual([{ recorded: '2' }]);
    const carol = await row('carol');
    expect(carol?.api_key_encrypted).toBe(legacyToken);
    expect(carol?.key_fingerprint).toBe(keyFingerprint(TEST_ENCRYPTION_KEY));
    cache.invalidate('carol');
    expect(await credential('carol')).toBe('sk-proj-carols-legacy-fake-key');

    await moveToken('carol', 'dave');
    expect(await credential('dave')).toBeUndefined();
  });

  it('a moved token whose tag was cleared is refused once the backfill has completed (BYOK_REQUIRE_BINDING=auto; #12.3)', async () => {
    await moveToken('alice', 'bob', 'clear');
    // The backfill above completed, so a process reading the database's record refuses untagged rows.
    const fresh = await openRuntime(h.config, createLogger({ level: 'silent', name: 'binding-test' }));
    try {
      expect(fresh.bindingRequired()).toBe(true);
      const bob = await row('bob');
      expect(() => fresh.keyring.openBound({ id: bob?.id ?? '', userId: 'bob', provider: 'openai', token: bob?.api_key_encrypted ?? '', bindingTag: null })).toThrow('invalid token');
    } finally {
      await fresh.close();
    }
    const strict = createStoredKeyring([NEW, TEST_ENCRYPTION_KEY], { requireBindingTag: true });
    const bob = await row('bob');
    expect(() => strict.openBound({ id: bob?.id ?? '', userId: 'bob', provider: 'openai', token: bob?.api_key_encrypted ?? '', bindingTag: null })).toThrow('invalid token');
  });
});
