import { createKeyring, generateKey } from '@byok/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialId, fakeKey } from '@byok/mock-providers';
import { waitFor } from '../proxy/support/proxy-harness.js';
import { errorShapeProblem } from './support/error-shape.js';
import { startSecurityHarness, type SecurityHarness } from './support/security-harness.js';

/**
 * A stored key whose ciphertext was damaged or replaced in the database, end to end. libs/crypto's
 * tests cover the token itself (every bit flip, the version byte, truncation, IV reuse) and
 * test/rotation/binding.security.test.ts a token moved into another row; here the API, the proxy
 * mounted in it and the worker meet such a row: no 500, errors in the shape, no provider called
 * with anything, and the key marked as failed.
 */

const CORRUPTIONS: ReadonlyArray<{ user: string; what: string; corrupt(token: string, plaintext: string): string }> = [
  { user: 'tamper-bitflip', what: 'one character changed', corrupt: (t) => `${t.slice(0, 40)}${t[40] === 'A' ? 'B' : 'A'}${t.slice(41)}` },
  { user: 'tamper-truncated', what: 'truncated', corrupt: (t) => t.slice(0, -12) },
  { user: 'tamper-otherkey', what: 'encrypted under another key', corrupt: (_t, plaintext) => createKeyring([generateKey()]).encrypt(plaintext) },
  { user: 'tamper-garbage', what: 'not a token at all', corrupt: () => 'not-a-fernet-token' },
];

let h: SecurityHarness;
beforeAll(async () => {
  h = await startSecurityHarness('stored_key_tampering', { env: { KEY_TEST_MAX_ATTEMPTS: '1' } });
  await h.startWorker();
  for (const { user, corrupt } of CORRUPTIONS) {
    const apiKey = fakeKey('openai', 'valid', user);
    const saved = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: await h.bearer(user), payload: { provider: 'openai', api_key: apiKey } });
    expect(saved.statusCode).toBe(201);
    await waitFor(async () => (await h.api.db.sql<{ test_status: string }>('SELECT test_status FROM user_provider_keys WHERE user_id = $1', [user]))[0]?.test_status === 'valid', 10_000, `${user}'s key validated`);
    const [row] = await h.api.db.sql<{ api_key_encrypted: string }>('SELECT api_key_encrypted FROM user_provider_keys WHERE user_id = $1', [user]);
    await h.api.db.sql('UPDATE user_provider_keys SET api_key_encrypted = $1 WHERE user_id = $2', [corrupt(row?.api_key_encrypted ?? '', apiKey), user]);
  }
  h.mock.resetCalls();
}, 120_000);
afterAll(() => h?.close());

describe.each(CORRUPTIONS)('a stored key $what', ({ user }) => {
  it('is still listed, and the proxy refuses to route through it without a 500 or a provider call', async () => {
    const headers = await h.bearer(user);
    const listed = await h.app.inject({ url: '/api/v1/llm/byok/keys', headers });
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ keys: unknown[] }>().keys).toHaveLength(1);
    const res = await h.app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } });
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, res.body).toBeLessThan(500);
    expect(errorShapeProblem(res)).toBeUndefined();
    expect(h.mock.calls({ provider: 'openai' }).filter((c) => c.credential === credentialId(fakeKey('openai', 'valid', user)))).toEqual([]);
  });

  it('fails its test as an error, without calling the provider', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/openai/test', headers: await h.bearer(user) });
    expect([200, 202], res.body).toContain(res.statusCode);
    await waitFor(async () => (await h.api.db.sql<{ test_status: string }>('SELECT test_status FROM user_provider_keys WHERE user_id = $1', [user]))[0]?.test_status === 'error', 10_000, 'the test to record error');
    expect(h.mock.calls({ provider: 'openai' })).toEqual([]);
  });
});

describe('after every damaged key was met', () => {
  it('logged no unhandled error', () => {
    expect(h.api.logs.filter((line) => line.includes('"msg":"unhandled error"'))).toEqual([]);
    expect(h.workerLogs.join('')).toContain('key tested');
  });
});
