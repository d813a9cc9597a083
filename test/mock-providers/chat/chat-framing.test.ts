import { fakeKey, type MockProviders, startMockProviders } from '@byok/mock-providers';
import { chatRoutes } from '@byok/mock-providers/chat';
import OpenAI, { BadRequestError } from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The mock's wire framing, read raw, so the adapters are tested against what each provider really
 * sends (providers.md §10) — and read by the official OpenAI SDK where the provider is compatible.
 */

let mock: MockProviders;
beforeAll(async () => {
  mock = await startMockProviders({ extraRoutes: chatRoutes });
});
afterAll(async () => mock.close());

const messages = [{ role: 'user', content: 'Say hello to me' }];

/** POSTs JSON below a provider's base URL and returns status, content type and raw text. */
async function post(url: string, headers: Record<string, string>, body: unknown) {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.statusCode, type: String(res.headers['content-type']), text: await res.body.text() };
}

const bearer = (provider: Parameters<typeof fakeKey>[0]) => ({ authorization: `Bearer ${fakeKey(provider, 'valid')}` });

/** The JSON of each `data:` line, `[DONE]` kept as a string. */
const dataOf = (text: string) =>
  text.split(/\r?\n/).filter((l) => l.startsWith('data: ')).map((l) => (l === 'data: [DONE]' ? '[DONE]' : (JSON.parse(l.slice(6)) as Record<string, unknown>)));

describe('OpenAI-compatible framing', () => {
  it('OpenAI: usage:null on every chunk and a choices:[] usage chunk only with include_usage', async () => {
    const url = `${mock.baseUrls.openai}/chat/completions`;
    const withUsage = dataOf((await post(url, bearer('openai'), { model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } })).text);
    expect(withUsage.at(-1)).toBe('[DONE]');
    const usageChunk = withUsage.at(-2);
    expect(usageChunk).toMatchObject({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 } });
    expect(withUsage.slice(0, -2).every((c) => typeof c === 'object' && c.usage === null)).toBe(true);

    const without = dataOf((await post(url, bearer('openai'), { model: 'gpt-4o-mini', messages, stream: true })).text);
    expect(without.some((c) => typeof c === 'object' && Array.isArray(c.choices) && c.choices.length === 0)).toBe(false);
  });

  it('OpenRouter: keep-alive comments, usage in the final chunk, X-Generation-Id', async () => {
    const res = await request(`${mock.baseUrls.openrouter}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer('openrouter') },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages, stream: true }),
    });
    const text = await res.body.text();
    expect(res.headers['x-generation-id']).toMatch(/^gen-mock/);
    expect(text.startsWith(': OPENROUTER PROCESSING\n\n')).toBe(true);
    expect(dataOf(text).at(-2)).toMatchObject({ choices: [], usage: { total_tokens: 7 } });
  });

  it('Groq: x_groq.usage on the finish chunk, plus the usage chunk with include_usage', async () => {
    const events = dataOf((await post(`${mock.baseUrls.groq}/chat/completions`, bearer('groq'), { model: 'llama-3.1-8b-instant', messages, stream: true, stream_options: { include_usage: true } })).text);
    expect(events.at(-3)).toMatchObject({ x_groq: { usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 } }, choices: [{ finish_reason: 'stop' }] });
    expect(events.at(-2)).toMatchObject({ choices: [], usage: { total_tokens: 7 } });
  });

  it('Together: usage on the finish_reason chunk, no usage chunk', async () => {
    const events = dataOf((await post(`${mock.baseUrls.together}/chat/completions`, bearer('together'), { model: 'm', messages, stream: true })).text);
    expect(events.at(-2)).toMatchObject({ choices: [{ finish_reason: 'stop' }], usage: { total_tokens: 4 + 4 } });
  });

  it('Perplexity: citations on the body and on chunks', async () => {
    const res = await post(`${mock.baseUrls.perplexity}/chat/completions`, bearer('perplexity'), { model: 'sonar', messages });
    expect(JSON.parse(res.text)).toMatchObject({ citations: ['https://example.com/mock-citation'], choices: [{ message: { content: 'Hello from Perplexity' } }] });
  });

  it('Cohere: 400 whenever stream_options is present', async () => {
    const res = await post(`${mock.baseUrls.cohere}/compatibility/v1/chat/completions`, bearer('cohere'), { model: 'command-r', messages, stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toHaveProperty('message');
  });

  it.each(['openai', 'openrouter', 'groq', 'together', 'perplexity'] as const)('the official OpenAI SDK streams from the %s route', async (provider) => {
    const client = new OpenAI({ apiKey: fakeKey(provider, 'valid'), baseURL: mock.baseUrls[provider], maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let total = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      total = chunk.usage?.total_tokens ?? total;
    }
    expect(text).toMatch(/^Hello from /);
    expect(total).toBeGreaterThan(0);
  });

  it('the official OpenAI SDK gets Cohere’s 400 for stream_options (what the gateway must strip)', async () => {
    const client = new OpenAI({ apiKey: fakeKey('cohere', 'valid'), baseURL: `${mock.baseUrls.cohere}/compatibility/v1`, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'command-r', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })).rejects.toBeInstanceOf(BadRequestError);
  });
});

describe('Anthropic framing', () => {
  const headers = { 'x-api-key': fakeKey('anthropic', 'valid'), 'anthropic-version': '2023-06-01' };
  const url = () => `${mock.baseUrls.anthropic}/v1/messages`;

  it('sends named events in the documented order, with no [DONE]', async () => {
    const res = await post(url(), headers, { model: 'claude-x', max_tokens: 100, system: 'Be terse.', messages, stream: true });
    expect(res.type).toBe('text/event-stream');
    const names = res.text.split('\n').filter((l) => l.startsWith('event: ')).map((l) => l.slice(7));
    expect(names).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(res.text).not.toContain('[DONE]');
    expect(res.text).toContain('"usage":{"input_tokens":6,"output_tokens":1}');
    expect(res.text).toContain('"usage":{"output_tokens":3}');
  });

  it('requires max_tokens', async () => {
    const res = await post(url(), headers, { model: 'claude-x', messages });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' }, request_id: 'req_mock_anthropic' });
  });

  it('rejects a system role inside messages, as the real API does', async () => {
    const res = await post(url(), headers, { model: 'claude-x', max_tokens: 5, messages: [{ role: 'system', content: 'x' }, ...messages] });
    expect(res.status).toBe(400);
  });

  it('fails mid-stream with `event: error` overloaded', async () => {
    const res = await post(url(), headers, { model: 'claude-mid-stream-error', max_tokens: 100, messages, stream: true });
    expect(res.status).toBe(200);
    expect(res.text.trimEnd().endsWith('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')).toBe(true);
  });
});

describe('Gemini framing', () => {
  const headers = { 'x-goog-api-key': fakeKey('google', 'valid') };
  const body = { contents: [{ role: 'user', parts: [{ text: 'Say hello to me' }] }] };

  it('streams `data: …\\r\\n\\r\\n` events with no terminator, usage complete only on the last', async () => {
    const res = await post(`${mock.baseUrls.google}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, headers, body);
    expect(res.type).toBe('text/event-stream');
    const blocks = res.text.split('\r\n\r\n');
    expect(blocks.at(-1)).toBe('');
    expect(blocks.slice(0, -1).every((b) => b.startsWith('data: {'))).toBe(true);
    const chunks = dataOf(res.text);
    expect(chunks).toHaveLength(4);
    expect(chunks.at(0)).toMatchObject({ usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } });
    expect(chunks.at(-1)).toMatchObject({ candidates: [{ finishReason: 'STOP' }], usageMetadata: { candidatesTokenCount: 4, totalTokenCount: 8 } });
  });

  it('answers streamGenerateContent without alt=sse with one JSON array', async () => {
    const res = await post(`${mock.baseUrls.google}/v1beta/models/gemini-2.0-flash:streamGenerateContent`, headers, body);
    expect(res.type).toBe('application/json');
    const parsed: unknown = JSON.parse(res.text);
    expect(Array.isArray(parsed) && parsed.length).toBe(4);
  });

  it('accepts the key as ?key= too', async () => {
    const res = await post(`${mock.baseUrls.google}/v1beta/models/gemini-2.0-flash:generateContent?key=${fakeKey('google', 'valid')}`, {}, body);
    expect(res.status).toBe(200);
    expect(mock.calls({ provider: 'google', route: 'google-generate-content' }).at(-1)?.path).toContain('key=***');
  });

  it('sends an error chunk mid-stream', async () => {
    const res = await post(`${mock.baseUrls.google}/v1beta/models/gemini-mid-stream-error:streamGenerateContent?alt=sse`, headers, body);
    expect(dataOf(res.text).at(-1)).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE' } });
  });
});
