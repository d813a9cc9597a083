import { inspect } from 'node:util';
import { createKeyring, generateKey } from '@byok/crypto';
import { describe, expect, it } from 'vitest';
import { receiptJson } from '../decision/receipt.js';
import { resolveRoute } from '../resolve-route.js';
import { createRouteCache } from './route-cache.js';
import { createSystemKeySet } from './system-keys.js';
import { buildUserRoutes } from './user-routes.js';

const FAKE_USER_KEY = 'sk-or-v1-FAKEUSERKEY0123456789abcdef0123456789abcdef0123456789abcd';
const FAKE_SYSTEM_KEY = 'sk-proj-FAKESYSTEMKEY0123456789';
const keyring = createKeyring([generateKey()]);

/** Every way a careless caller might print or copy an object. */
function renderings(value: unknown): string[] {
  return [
    JSON.stringify(value) ?? '',
    inspect(value),
    inspect(value, { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: true }),
    String(value),
    JSON.stringify(typeof value === 'object' && value !== null ? { ...value } : value) ?? '',
    JSON.stringify(structuredCloneOrNull(value)) ?? '',
  ];
}

function structuredCloneOrNull(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return null;
  }
}

function expectNoKey(value: unknown): void {
  for (const text of renderings(value)) {
    expect(text).not.toContain(FAKE_USER_KEY);
    expect(text).not.toContain(FAKE_SYSTEM_KEY);
    // Not even a recognisable fragment of either key.
    expect(text).not.toContain('FAKEUSERKEY');
    expect(text).not.toContain('FAKESYSTEMKEY');
  }
}

describe('plaintext keys stay out of every rendering', () => {
  const rows = [{ id: 'key-1', provider: 'openrouter', apiKeyEncrypted: keyring.encrypt(FAKE_USER_KEY), enabled: true, testStatus: 'valid' }];

  it('a user routes entry', () => {
    const routes = buildUserRoutes('u1', rows, keyring);
    expect(routes.credentialFor('key-1')).toBe(FAKE_USER_KEY);
    expectNoKey(routes);
    expectNoKey(routes.keys);
    expect(JSON.parse(JSON.stringify(routes))).toEqual({
      userId: 'u1',
      keys: [{ provider: 'openrouter', keyId: 'key-1', enabled: true, testStatus: 'valid' }],
    });
  });

  it('the cache, a cached entry and a resolved decision', async () => {
    const cache = createRouteCache({ loadUserKeys: async () => rows, keyring, subscribe: async () => async () => {} });
    const routes = await cache.get('u1');
    expectNoKey(cache);
    expectNoKey(routes);
    const systemKeys = createSystemKeySet({ openai: { systemApiKey: FAKE_SYSTEM_KEY } });
    const resolved = resolveRoute(routes, systemKeys, 'gpt-4o', 1);
    expect(resolved.apiKey).toBe(FAKE_USER_KEY);
    expectNoKey(resolved.decision);
    expectNoKey(receiptJson(resolved.decision));
  });

  it('the platform key set', () => {
    const systemKeys = createSystemKeySet({ openai: { systemApiKey: FAKE_SYSTEM_KEY }, anthropic: { systemApiKey: '  ' } });
    expect(systemKeys.systemCredential('openai')).toBe(FAKE_SYSTEM_KEY);
    expect(systemKeys.available).toEqual({ openai: true });
    expectNoKey(systemKeys);
  });
});
