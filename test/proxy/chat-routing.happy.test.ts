import OpenAI from 'openai';
import { PROVIDERS, type ProviderId } from '@byok/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialId } from '@byok/mock-providers';
import { startProxyHarness, type ProxyHarness } from './support/proxy-harness.js';

/**
 * The official OpenAI client, pointed at the proxy, for every routing path: the user's OpenRouter
 * key, the user's own OpenAI / Anthropic / Gemini key, and the platform key paid in credits —
 * each without and with streaming, authenticated by a JWT or a personal gateway token.
 */

let h: ProxyHarness;
const userKeys = new Map<string, string>();
beforeAll(async () => {
  h = await startProxyHarness('proxy_routing', { systemKeyProviders: ['openai'] });
  for (const [user, provider] of [['or-user', 'openrouter'], ['oa-user', 'openai'], ['an-user', 'anthropic'], ['ge-user', 'google']] as const) {
    userKeys.set(user, (await h.addKey(user, provider)).apiKey);
  }
  await h.grantCredits('sys-user', 5_000_000);
});
afterAll(async () => h?.close());

const messages = [{ role: 'user' as const, content: 'Say hello to me' }];

interface PathCase {
  name: string;
  user: string;
  model: string;
  provider: ProviderId;
  used: 'true' | 'false';
  receipt: string;
  /** The model name the mock received. */
  upstreamModel: string;
}

const CASES: PathCase[] = [
  {
    name: 'user OpenRouter key',
    user: 'or-user',
    model: 'gpt-4o-mini',
    provider: 'openrouter',
    used: 'true',
    receipt: 'user_openrouter(default):chosen=200; user_provider(openai):skipped=no_key; system(openai):not_needed; system(openrouter):skipped=no_system_key',
    upstreamModel: 'openai/gpt-4o-mini',
  },
  {
    name: 'user OpenAI key',
    user: 'oa-user',
    model: 'gpt-4o-mini',
    provider: 'openai',
    used: 'true',
    receipt: 'user_openrouter:skipped=no_key; user_provider(openai/default):chosen=200; system(openai):not_needed; system(openrouter):skipped=no_system_key',
    upstreamModel: 'gpt-4o-mini',
  },
  {
    name: 'user Anthropic key',
    user: 'an-user',
    model: 'claude-3-5-haiku-latest',
    provider: 'anthropic',
    used: 'true',
    receipt: 'user_openrouter:skipped=no_key; user_provider(anthropic/default):chosen=200; system(anthropic):skipped=no_system_key; system(openrouter):skipped=no_system_key',
    upstreamModel: 'claude-3-5-haiku-latest',
  },
  {
    name: 'user Gemini key',
    user: 'ge-user',
    model: 'gemini-2.0-flash',
    provider: 'google',
    used: 'true',
    receipt: 'user_openrouter:skipped=no_key; user_provider(google/default):chosen=200; system(google):skipped=no_system_key; system(openrouter):skipped=no_system_key',
    upstreamModel: 'gemini-2.0-flash',
  },
  {
    name: 'platform key with credits',
    user: 'sys-user',
    model: 'gpt-4o-mini',
    provider: 'openai',
    used: 'false',
    receipt: 'user_openrouter:skipped=no_key; user_provider(openai):skipped=no_key; system(openai):chosen=200; system(openrouter):skipped=no_system_key',
    upstreamModel: 'gpt-4o-mini',
  },
];

async function clientFor(user: string, auth: 'jwt' | 'gateway_token'): Promise<OpenAI> {
  const apiKey = auth === 'jwt' ? await h.jwt(user) : (await h.gatewayToken(user)).token;
  return new OpenAI({ baseURL: `${h.proxy.url}/v1`, apiKey, maxRetries: 0 });
}

describe.each(CASES)('$name', (c) => {
  const greeting = `Hello from ${PROVIDERS[c.provider].displayName}`;

  it('answers a plain request with the receipt of the path taken (JWT)', async () => {
    const client = await clientFor(c.user, 'jwt');
    const { data, response } = await client.chat.completions.create({ model: c.model, messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe(greeting);
    expect(data.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: greeting.split(' ').length });
    expect(response.headers.get('x-byok-used')).toBe(c.used);
    expect(response.headers.get('x-byok-provider')).toBe(c.provider);
    expect(response.headers.get('x-byok-route')).toBe(c.receipt);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('streams, with the usage chunk the client asked for (gateway token)', async () => {
    const client = await clientFor(c.user, 'gateway_token');
    const { data: stream, response } = await client.chat.completions
      .create({ model: c.model, messages, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-byok-route')).toBe(c.receipt);
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(greeting);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 4, completion_tokens: greeting.split(' ').length });
  });

  it('called the upstream once, with the key the receipt names and the model name it expects', async () => {
    h.mock.resetCalls();
    const client = await clientFor(c.user, 'jwt');
    await client.chat.completions.create({ model: c.model, messages });
    const expected = c.used === 'true' ? userKeys.get(c.user) : h.systemKeys[c.provider];
    const calls = h.mock.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ provider: c.provider, method: 'POST', credential: credentialId(expected ?? 'missing'), aborted: false });
    // Only Gemini puts the model in the path; the other dialects carry it in the body.
    if (c.provider === 'google') expect(calls[0]?.path).toBe(`/v1beta/models/${c.upstreamModel}:generateContent`);
  });
});
