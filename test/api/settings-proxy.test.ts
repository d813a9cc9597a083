import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from '../proxy/support/proxy-harness.js';

/**
 * `PUT /settings` reaches a running proxy through the key-change announcement, without waiting for
 * its route cache to expire: the next requests of that user follow the new `platform_fallback`.
 */
describe('routing settings (#14) take effect on a running proxy', () => {
  let h: ProxyHarness;
  const user = 'settings-e2e-user';
  beforeAll(async () => {
    h = await startProxyHarness('settings_proxy', { systemKeyProviders: ['openai'] });
    await h.grantCredits(user, 5_000_000);
  });
  afterAll(() => h?.close());

  const chat = async () => {
    const res = await request(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt(user)}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.body.text();
    return { status: res.statusCode, route: String(res.headers['x-byok-route'] ?? '') };
  };
  const put = async (value: 'allow' | 'never') => {
    const res = await h.api.app.inject({ method: 'PUT', url: '/api/v1/llm/byok/settings', headers: { authorization: `Bearer ${await h.jwt(user)}` }, payload: { platform_fallback: value } });
    expect(res.statusCode, res.body).toBe(200);
  };
  const eventually = async (wanted: number) => {
    let last = await chat();
    for (let i = 0; i < 40 && last.status !== wanted; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      last = await chat();
    }
    return last;
  };

  it('never: the platform key is skipped (400 no_route) once the change is announced; allow brings it back', async () => {
    // Cached routes for the user first, so only the announcement can change them.
    expect((await chat()).status).toBe(200);
    await put('never');
    const refused = await eventually(400);
    expect(refused.status).toBe(400);
    expect(refused.route).toContain('skipped=platform_fallback_never');
    await put('allow');
    expect((await eventually(200)).status).toBe(200);
  });
});
