import OpenAI from 'openai';
import { PROVIDERS } from '@byok/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './support/proxy-harness.js';

/**
 * Anthropic and Gemini behind the OpenAI API, both ways: the proxy turns an OpenAI request (system
 * message, tools, an earlier tool call and its result) into each provider's dialect, and each
 * answer — text or tool call, whole or streamed — back into OpenAI's shapes, read by the SDK.
 */

let h: ProxyHarness;
let client: OpenAI;
beforeAll(async () => {
  h = await startProxyHarness('proxy_translation');
  await h.addKey('tr-user', 'anthropic');
  await h.addKey('tr-user', 'google');
  client = new OpenAI({ baseURL: `${h.proxy.url}/v1`, apiKey: await h.jwt('tr-user'), maxRetries: 0 });
});
afterAll(async () => h?.close());

const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } },
  },
];

/** A conversation that already went through one tool round trip. */
const afterToolCall: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Weather in Paris?' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
  { role: 'tool', tool_call_id: 'call_1', content: '{"temp_c":21}' },
];

const CASES = [
  { provider: 'anthropic', model: 'claude-3-5-haiku-latest', toolModel: 'claude-3-5-haiku-tool-call' },
  { provider: 'google', model: 'gemini-2.0-flash', toolModel: 'gemini-2.0-flash-tool-call' },
] as const;

describe.each(CASES)('$provider', ({ provider, model, toolModel }) => {
  const greeting = `Hello from ${PROVIDERS[provider].displayName}`;

  it('answers a tool-call history with text, in OpenAI shape, under the model name the client used', async () => {
    const res = await client.chat.completions.create({ model, messages: afterToolCall, tools });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe(model);
    expect(res.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: greeting } });
    // Prompt words: system (2) + user (3) + the tool result; the translation kept all of them.
    expect(res.usage?.prompt_tokens).toBeGreaterThanOrEqual(5);
    expect(res.usage?.completion_tokens).toBe(greeting.split(' ').length);
  });

  it('streams that answer as OpenAI chunks ending in [DONE]', async () => {
    const stream = await client.chat.completions.create({ model, messages: afterToolCall, tools, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(greeting);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(greeting.split(' ').length);
  });

  it('returns a tool call as OpenAI tool_calls', async () => {
    const res = await client.chat.completions.create({ model: toolModel, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, tool_choice: 'auto' });
    const choice = res.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    expect(call.id).toMatch(/\S/);
  });

  it('streams a tool call as tool_calls deltas that reassemble into valid JSON arguments', async () => {
    const stream = await client.chat.completions.create({ model: toolModel, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, stream: true });
    let name = '';
    let args = '';
    let id: string | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.tool_calls?.[0];
      if (delta?.id) id = delta.id;
      name += delta?.function?.name ?? '';
      args += delta?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(id).toMatch(/\S/);
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(finish).toBe('tool_calls');
  });

  it('refuses, with a 400 naming the field, what the dialect cannot express', async () => {
    const bad = client.chat.completions.create({
      model,
      messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1,2]' } }] }, { role: 'user', content: 'hi' }],
    });
    await expect(bad).rejects.toMatchObject({ status: 400, message: expect.stringContaining('arguments') });
  });
});
