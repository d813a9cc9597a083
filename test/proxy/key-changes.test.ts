import { keyChangeChannel, TOKEN_REVOKED_PREFIX } from '@byok/queues';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, waitFor, type ProxyHarness, type ProxyInstance } from './support/proxy-harness.js';

/**
 * Two proxy instances, each with its own route cache and Redis subscriber: a key deleted or
 * disabled through the API stops being used by both within a second, though both had it cached.
 */

let h: ProxyHarness;
let second: ProxyInstance;
beforeAll(async () => {
  h = await startProxyHarness('proxy_key_changes');
  second = await h.startProxy();
});
afterAll(async () => h?.close());

const messages = [{ role: 'user', content: 'hi' }];

async function providerVia(instance: ProxyInstance, user: string): Promise<string | undefined> {
  const res = await request(`${instance.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt(user)}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages }),
  });
  await res.body.dump();
  return res.statusCode === 200 ? String(res.headers['x-byok-provider']) : `status ${res.statusCode}`;
}

describe('key changes reach every instance', () => {
  it('a deleted OpenRouter key stops being used by both instances within 1 s', async () => {
    await h.addKey('change-user', 'openrouter');
    await h.addKey('change-user', 'openai');
    expect(await providerVia(h.proxy, 'change-user')).toBe('openrouter');
    expect(await providerVia(second, 'change-user')).toBe('openrouter');

    const deletedAt = Date.now();
    await h.deleteKey('change-user', 'openrouter');
    for (const instance of [h.proxy, second]) {
      await waitFor(async () => (await providerVia(instance, 'change-user')) === 'openai', 1000, 'the instance to stop using the deleted key');
    }
    expect(Date.now() - deletedAt).toBeLessThan(1000 + 500);
  });

  it('a disabled key stops being used by both instances within 1 s, and comes back when enabled', async () => {
    await h.addKey('toggle-user', 'openai');
    expect(await providerVia(h.proxy, 'toggle-user')).toBe('openai');
    expect(await providerVia(second, 'toggle-user')).toBe('openai');

    await h.setKeyEnabled('toggle-user', 'openai', false);
    for (const instance of [h.proxy, second]) {
      await waitFor(async () => (await providerVia(instance, 'toggle-user')) === 'status 400', 1000, 'the instance to stop using the disabled key');
    }
    await h.setKeyEnabled('toggle-user', 'openai', true);
    for (const instance of [h.proxy, second]) {
      await waitFor(async () => (await providerVia(instance, 'toggle-user')) === 'openai', 1000, 'the instance to use the key again');
    }
  });

  it('a revocation announced as token:<hash> drops the cached token at once', async () => {
    await h.addKey('revoke-user', 'openai');
    const { token, hash, id } = await h.gatewayToken('revoke-user');
    const call = async () => {
      const res = await request(`${second.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages }),
      });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await call()).toBe(200);
    await h.api.db.sql('UPDATE gateway_tokens SET revoked_at = now() WHERE id = $1', [id]);
    // Still cached (the TTL is 10 s)...
    expect(await call()).toBe(200);
    // ...until the API announces the revocation.
    await h.api.runtime.redis.publish(keyChangeChannel(h.api.redisPrefix), `${TOKEN_REVOKED_PREFIX}${hash}`);
    await waitFor(async () => (await call()) === 401, 1000, 'the revoked token to be refused');
  });
});
