import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoredKeyring } from '@byok/crypto';
import { findUserKeys } from '@byok/db';
import { createRouteCache } from '@byok/routing';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { recordKeyBindings, rotateEncryption } from '@byok/worker';
import { FAKE_KEYS, startApiHarness, TEST_ENCRYPTION_KEY, type ApiHarness } from '../support/api-harness.js';

const BOBS_KEY = FAKE_KEYS.openai.replace('FakeTestKey0', 'BobsTestKey0');

/**
 * #12.3 "Row binding is bypassed by clearing the tag": with write access to Postgres, copying
 * alice's ciphertext into bob's row and clearing `binding_tag` and `key_fingerprint` made the proxy
 * use alice's key for bob, and the boot backfill then wrote a fresh, valid tag for the moved token.
 * Now the first completed backfill is recorded in the database; from then on every process
 * (BYOK_REQUIRE_BINDING=auto) refuses untagged rows, and no backfill or rotation binds one again.
 */
describe('a moved token whose binding tag was cleared', () => {
  let h: ApiHarness;
  const opened: Runtime[] = [];
  const ids = new Map<string, string>();

  const save = async (userId: string, apiKey: string): Promise<void> => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: { authorization: `Bearer ${await h.token(userId)}` }, payload: { provider: 'openai', api_key: apiKey } });
    expect(res.statusCode, res.body).toBe(201);
    ids.set(userId, (res.json() as { id: string }).id);
  };
  const tagOf = async (userId: string) => (await h.db.sql<{ binding_tag: string | null }>('SELECT binding_tag FROM user_provider_keys WHERE user_id = $1', [userId]))[0]?.binding_tag;
  /** The attack: alice's token into bob's row, tag and fingerprint cleared. */
  const moveAliceToBob = () =>
    h.db.sql(
      `UPDATE user_provider_keys d SET api_key_encrypted = s.api_key_encrypted, binding_tag = NULL, key_fingerprint = NULL
       FROM user_provider_keys s WHERE s.user_id = 'alice' AND d.user_id = 'bob'`,
    );
  /** Bob's credential as a proxy process started now (fresh runtime, so it reads the database's record at boot) resolves it. */
  const bobsCredentialInANewProcess = async (env: Record<string, string> = {}) => {
    const runtime = await openRuntime({ ...h.config, ...(env.BYOK_REQUIRE_BINDING ? { requireBinding: env.BYOK_REQUIRE_BINDING as 'on' | 'off' } : {}) }, createLogger({ level: 'silent', name: 'binding-test' }));
    opened.push(runtime);
    const cache = createRouteCache({ loadUserKeys: (userId) => findUserKeys(runtime.orm.em.fork(), userId), keyring: runtime.keyring, subscribe: async () => async () => {} });
    return { credential: (await cache.get('bob')).credentialFor(ids.get('bob') ?? ''), required: runtime.bindingRequired() };
  };

  beforeAll(async () => {
    h = await startApiHarness('rotation_binding_required', { env: { PROVIDER_OPENAI_BASE_URL: 'http://127.0.0.1:1' } });
    await save('alice', FAKE_KEYS.openai);
    await save('bob', BOBS_KEY);
    // A row of the earlier system: no tag, no fingerprint.
    const legacy = createStoredKeyring([TEST_ENCRYPTION_KEY]).encrypt('sk-proj-carols-legacy-fake-key');
    await h.db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted) VALUES ('carol', 'openai', $1)`, [legacy]);
  });
  afterAll(async () => {
    await Promise.all(opened.map((r) => r.close()));
    await h.close();
  });

  it('before the first backfill, untagged rows are legacy: accepted, then bound by the backfill, which records that it completed', async () => {
    expect(h.runtime.bindingRequired()).toBe(false);
    const first = await recordKeyBindings({ orm: h.runtime.orm, keyring: h.runtime.keyring, logger: h.runtime.logger });
    expect(first).toMatchObject({ recorded: 1, bindingMismatch: 0 });
    expect(await tagOf('carol')).not.toBeNull();
    expect(await h.db.sql(`SELECT name, value->>'recorded' AS recorded FROM byok_state`)).toEqual([{ name: 'binding_backfill_completed', recorded: '1' }]);
  });

  it('afterwards a process refuses the moved token (before the fix it routed alice\'s key for bob)', async () => {
    await moveAliceToBob();
    const { credential, required } = await bobsCredentialInANewProcess();
    expect(required).toBe(true);
    expect(credential).toBeUndefined();
  });

  it('a later backfill never binds the moved token to bob\'s row, and neither does a rotation', async () => {
    const again = await recordKeyBindings({ orm: h.runtime.orm, keyring: h.runtime.keyring, logger: h.runtime.logger });
    expect(again).toMatchObject({ recorded: 0, bindingMismatch: 1 });
    expect(await tagOf('bob')).toBeNull();
    const rotated = await rotateEncryption({ orm: h.runtime.orm, keyring: h.runtime.keyring, logger: h.runtime.logger, requestedBy: 'test' });
    expect(rotated).toMatchObject({ bindingMismatch: 1 });
    expect(await tagOf('bob')).toBeNull();
    expect((await bobsCredentialInANewProcess()).credential).toBeUndefined();
    // One completion record, the first.
    expect(await h.db.sql('SELECT count(*)::int AS n FROM byok_state')).toEqual([{ n: 1 }]);
  });

  it('BYOK_REQUIRE_BINDING=off accepts untagged rows again (an operator\'s explicit choice); on refuses them', async () => {
    expect(await bobsCredentialInANewProcess({ BYOK_REQUIRE_BINDING: 'off' })).toEqual({ credential: FAKE_KEYS.openai, required: false });
    expect(await bobsCredentialInANewProcess({ BYOK_REQUIRE_BINDING: 'on' })).toEqual({ credential: undefined, required: true });
  });
});
