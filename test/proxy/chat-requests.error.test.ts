import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './support/proxy-harness.js';

/**
 * Requests the proxy refuses itself, before any upstream call: who is calling, what the body
 * says, and which keys can be used. Every refusal is the gateway's error shape with a message that
 * says what to do, and no upstream is called.
 */

let h: ProxyHarness;
beforeAll(async () => {
  h = await startProxyHarness('proxy_refusals', { systemKeyProviders: ['openai'], env: { PROXY_BODY_LIMIT_BYTES: '65536' } });
});
afterAll(async () => h?.close());

const messages = [{ role: 'user', content: 'Say hello to me' }];

async function post(body: unknown, headers: Record<string, string> = {}, path = '/v1/chat/completions') {
  const res = await request(`${h.proxy.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: JSON.parse(text) as { error: { code: string; message: string; request_id: string; details?: Array<{ path: string }> } } };
}

const bearer = async (user: string) => ({ authorization: `Bearer ${await h.jwt(user)}` });

describe('routing refusals', () => {
  it('skips a disabled key and says so in the receipt', async () => {
    await h.addKey('dis-user', 'openrouter');
    await h.addKey('dis-user', 'openai');
    await h.setKeyEnabled('dis-user', 'openrouter', false);
    const client = new OpenAI({ baseURL: `${h.proxy.url}/v1`, apiKey: await h.jwt('dis-user'), maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('x-byok-route')).toMatch(/^user_openrouter\(default\):skipped=disabled; user_provider\(openai\/default\):chosen=200/);
    expect(response.headers.get('x-byok-provider')).toBe('openai');
  });

  it('skips a key its validation marked invalid', async () => {
    const { id } = await h.addKey('inv-user', 'openrouter');
    await h.addKey('inv-user', 'openai');
    await h.setKeyStatus(id, 'invalid');
    const res = await post({ model: 'gpt-4o-mini', messages }, await bearer('inv-user'));
    expect(res.status).toBe(200);
    expect(res.headers['x-byok-route']).toMatch(/^user_openrouter\(default\):skipped=invalid; user_provider\(openai\/default\):chosen=200/);
  });

  it('answers 400 no_route, naming what to add, when nothing can serve the model', async () => {
    const calls = h.mock.calls().length;
    const res = await post({ model: 'claude-3-5-haiku-latest', messages }, await bearer('keyless-user'));
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'no_route', message: 'No key for anthropic: add an Anthropic or OpenRouter key at /api/v1/llm/byok/keys' });
    expect(res.headers['x-byok-used']).toBe('false');
    expect(res.headers['x-byok-route']).toContain('user_provider(anthropic):skipped=no_key');
    expect(h.mock.calls().length).toBe(calls);
  });

  it('answers 400 no_route for a model whose provider cannot be told, without an OpenRouter key', async () => {
    const res = await post({ model: 'mystery-model-9000', messages }, await bearer('keyless-user'));
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('no_route');
    expect(res.json.error.message).toContain('provider prefix');
  });

  it('answers 402 insufficient_credits when only the platform key could serve and the balance is empty', async () => {
    const calls = h.mock.calls().length;
    const res = await post({ model: 'gpt-4o-mini', messages }, await bearer('broke-user'));
    expect(res.status).toBe(402);
    expect(res.json.error).toMatchObject({ code: 'insufficient_credits' });
    expect(res.json.error.message).toMatch(/^Insufficient credits for the platform's openai key: add credits, or add an OpenAI or OpenRouter key/);
    expect(res.headers['x-byok-route']).toContain('system(openai):skipped=no_credits');
    expect(h.mock.calls().length).toBe(calls);
  });

  it('the OpenAI SDK reads the gateway error shape', async () => {
    const client = new OpenAI({ baseURL: `${h.proxy.url}/v1`, apiKey: await h.jwt('broke-user'), maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 402,
      code: 'insufficient_credits',
      message: expect.stringContaining('Insufficient credits'),
    });
  });
});

describe('bodies', () => {
  it('answers 400 naming the field for a body that is not a chat request', async () => {
    const res = await post({ model: 'gpt-4o-mini', messages: [{ role: 'robot', content: 'hi' }] }, await bearer('body-user'));
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.message).toBe('body/messages/0/role: must be one of system, developer, user, assistant, tool');
  });

  it('names a missing field', async () => {
    const res = await post({ messages }, await bearer('body-user'));
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe('body/model: missing required field "model"');
  });

  it('names an out-of-range value', async () => {
    const res = await post({ model: 'gpt-4o-mini', messages, temperature: 7 }, await bearer('body-user'));
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe('body/temperature: must be <= 2');
  });

  it('answers 400 invalid_json for a body that is not JSON', async () => {
    const res = await post('{"model": ', await bearer('body-user'));
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_json');
  });

  it('answers 413 for a body over PROXY_BODY_LIMIT_BYTES, on both paths', async () => {
    const huge = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(70_000) }] };
    for (const path of ['/v1/chat/completions', '/api/v1/llm/chat/completions']) {
      const res = await post(huge, await bearer('body-user'), path);
      expect(res.status).toBe(413);
      expect(res.json.error.code).toBe('payload_too_large');
    }
  });
});

describe('callers', () => {
  it('answers 401 without credentials', async () => {
    const res = await post({ model: 'gpt-4o-mini', messages });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('missing_credentials');
  });

  it('answers 401 for an unknown, a revoked and an expired gateway token', async () => {
    const unknown = await h.gatewayToken('tok-user');
    await h.api.db.sql('DELETE FROM gateway_tokens WHERE id = $1', [unknown.id]);
    expect((await post({ model: 'gpt-4o-mini', messages }, { authorization: `Bearer ${unknown.token}` })).json.error.code).toBe('invalid_token');

    const revoked = await h.gatewayToken('tok-user');
    await h.api.db.sql('UPDATE gateway_tokens SET revoked_at = now() WHERE id = $1', [revoked.id]);
    const revokedRes = await post({ model: 'gpt-4o-mini', messages }, { authorization: `Bearer ${revoked.token}` });
    expect(revokedRes.status).toBe(401);
    expect(revokedRes.json.error).toMatchObject({ code: 'invalid_token', message: 'The gateway token was revoked' });

    const expired = await h.gatewayToken('tok-user', { expiresAt: new Date(Date.now() - 1000) });
    const expiredRes = await post({ model: 'gpt-4o-mini', messages }, { authorization: `Bearer ${expired.token}` });
    expect(expiredRes.status).toBe(401);
    expect(expiredRes.json.error.code).toBe('token_expired');
  });

  it('answers 401 for a bearer that is neither a gateway token nor a signed JWT (the earlier system\'s user id)', async () => {
    const res = await post({ model: 'gpt-4o-mini', messages }, { authorization: 'Bearer alice' });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('invalid_token');
  });

  it('records a gateway token\'s use after the response, at most once a minute', async () => {
    await h.addKey('touch-user', 'openai');
    const { token, id } = await h.gatewayToken('touch-user');
    for (let i = 0; i < 3; i++) expect((await post({ model: 'gpt-4o-mini', messages }, { authorization: `Bearer ${token}` })).status).toBe(200);
    const rows = async () => h.api.db.sql<{ last_used_at: Date | null }>('SELECT last_used_at FROM gateway_tokens WHERE id = $1', [id]);
    await expect.poll(async () => (await rows())[0]?.last_used_at ?? null, { timeout: 2000 }).not.toBeNull();
  });
});
