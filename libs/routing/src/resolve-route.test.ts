import { createKeyring, generateKey } from '@byok/crypto';
import { describe, expect, it } from 'vitest';
import { createSystemKeySet } from './cache/system-keys.js';
import { buildUserRoutes } from './cache/user-routes.js';
import { needsCreditBalance } from './decision/decide-route.js';
import { createModelResolver } from './decision/model-info.js';
import { formatReceipt } from './decision/receipt.js';
import { resolveRoute } from './resolve-route.js';

const keyring = createKeyring([generateKey()]);
const systemKeys = createSystemKeySet({ openai: { systemApiKey: 'sys-openai' }, openrouter: { systemApiKey: 'sys-or' } });
const models = createModelResolver();

function routesWith(...keys: Array<{ provider: string; plaintext: string; enabled?: boolean }>) {
  const rows = keys.map((k) => ({ id: `id-${k.provider}`, provider: k.provider, apiKeyEncrypted: keyring.encrypt(k.plaintext), enabled: k.enabled ?? true, testStatus: 'valid' }));
  return buildUserRoutes('u1', rows, keyring);
}

describe('resolveRoute', () => {
  it.each([
    ['the user OpenRouter key', routesWith({ provider: 'openrouter', plaintext: 'user-or' }, { provider: 'openai', plaintext: 'user-oa' }), 'gpt-4o', 'user-or', 'openai/gpt-4o'],
    ['the user provider key', routesWith({ provider: 'openai', plaintext: 'user-oa' }), 'openai/gpt-4o', 'user-oa', 'gpt-4o'],
    ['the platform provider key', routesWith({ provider: 'openai', plaintext: 'user-oa', enabled: false }), 'gpt-4o', 'sys-openai', 'gpt-4o'],
    ['the platform OpenRouter key', routesWith(), 'claude-3-5-haiku', 'sys-or', 'anthropic/claude-3-5-haiku'],
  ])('hands over %s', (_name, routes, model, apiKey, upstreamModel) => {
    const resolved = resolveRoute(routes, systemKeys, model, 1, models);
    expect(resolved.apiKey).toBe(apiKey);
    expect(resolved.decision.outcome).toBe('routed');
    if (resolved.decision.outcome === 'routed') expect(resolved.decision.chosen.upstreamModel).toBe(upstreamModel);
  });

  it('returns no key when there is no route', () => {
    const resolved = resolveRoute(routesWith(), createSystemKeySet({}), 'gpt-4o', 1, models);
    expect(resolved).toMatchObject({ apiKey: null, decision: { outcome: 'no_route' } });
  });

  it('asks for the balance only when a platform key is the only way', () => {
    const lazy = resolveRoute(routesWith(), systemKeys, 'gpt-4o', null, models);
    expect(lazy.apiKey).toBeNull();
    expect(needsCreditBalance(lazy.decision)).toBe(true);
    expect(needsCreditBalance(resolveRoute(routesWith(), systemKeys, 'gpt-4o', 0, models).decision)).toBe(false);
    expect(needsCreditBalance(resolveRoute(routesWith({ provider: 'openai', plaintext: 'k' }), systemKeys, 'gpt-4o', null, models).decision)).toBe(false);
    expect(formatReceipt(resolveRoute(routesWith(), systemKeys, 'gpt-4o', 5, models).decision)).toContain('system(openai):chosen');
  });
});
