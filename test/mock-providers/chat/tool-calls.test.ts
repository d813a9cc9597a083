import { fakeKey, type MockProviders, startMockProviders } from '@byok/mock-providers';
import { chatRoutes } from '@byok/mock-providers/chat';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue #20 item 9: the mock called tools only for models named `tool-call`; a client that offers
// tools (Open WebUI, an agent) now gets a call of its first tool, in each provider's shape, and
// text once it sends the tool's result back.

let mock: MockProviders;
beforeAll(async () => {
  mock = await startMockProviders({ extraRoutes: chatRoutes });
});
afterAll(async () => mock.close());

const weatherTool = { type: 'function' as const, function: { name: 'lookup_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

async function postJson(url: string, headers: Record<string, string>, body: unknown): Promise<Record<string, unknown>> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  expect(res.statusCode).toBe(200);
  return (await res.body.json()) as Record<string, unknown>;
}

describe('tool calls when the request offers tools', () => {
  it('OpenAI-compatible: calls the first offered tool, answers in text after its result or with tool_choice none', async () => {
    const client = new OpenAI({ baseURL: mock.baseUrls.groq, apiKey: fakeKey('groq', 'valid'), maxRetries: 0 });
    const first = await client.chat.completions.create({ model: 'llama-3.1-8b-instant', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' ? call.function : undefined).toEqual({ name: 'lookup_weather', arguments: '{"city":"Paris"}' });

    const afterResult = await client.chat.completions.create({
      model: 'llama-3.1-8b-instant',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: call?.id ?? '', type: 'function', function: { name: 'lookup_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: call?.id ?? '', content: 'sunny' },
      ],
    });
    expect(afterResult.choices[0]?.message.content).toBe('Hello from Groq');
    const refused = await client.chat.completions.create({ model: 'llama-3.1-8b-instant', messages: [{ role: 'user', content: 'Hi' }], tools: [weatherTool], tool_choice: 'none' });
    expect(refused.choices[0]?.finish_reason).toBe('stop');

    const streamed = await client.chat.completions.create({ model: 'llama-3.1-8b-instant', messages: [{ role: 'user', content: 'Hi' }], tools: [weatherTool], stream: true });
    let args = '';
    let name = '';
    for await (const chunk of streamed) {
      const delta = chunk.choices[0]?.delta.tool_calls?.[0];
      name += delta?.function?.name ?? '';
      args += delta?.function?.arguments ?? '';
    }
    expect({ name, args }).toEqual({ name: 'lookup_weather', args: '{"city":"Paris"}' });
  });

  it('Anthropic: a tool_use block of the first tool; text after a tool_result', async () => {
    const url = `${mock.baseUrls.anthropic}/v1/messages`;
    const headers = { 'x-api-key': fakeKey('anthropic', 'valid'), 'anthropic-version': '2023-06-01' };
    const tools = [{ name: 'lookup_weather', input_schema: { type: 'object' } }];
    const asked = await postJson(url, headers, { model: 'claude-3-5-haiku-latest', max_tokens: 50, tools, messages: [{ role: 'user', content: 'Weather?' }] });
    expect(asked).toMatchObject({ stop_reason: 'tool_use', content: [{ type: 'tool_use', name: 'lookup_weather', input: { city: 'Paris' } }] });
    const answered = await postJson(url, headers, {
      model: 'claude-3-5-haiku-latest',
      max_tokens: 50,
      tools,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: asked.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'sunny' }] },
      ],
    });
    expect(answered).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'Hello from Anthropic' }] });
  });

  it('Gemini: a functionCall of the first declaration; none with mode NONE', async () => {
    const url = `${mock.baseUrls.google}/v1beta/models/gemini-2.0-flash:generateContent`;
    const headers = { 'x-goog-api-key': fakeKey('google', 'valid') };
    const tools = [{ functionDeclarations: [{ name: 'lookup_weather' }] }];
    const contents = [{ role: 'user', parts: [{ text: 'Weather?' }] }];
    const asked = await postJson(url, headers, { contents, tools });
    expect(asked).toMatchObject({ candidates: [{ content: { parts: [{ functionCall: { name: 'lookup_weather', args: { city: 'Paris' } } }] } }] });
    const none = await postJson(url, headers, { contents, tools, toolConfig: { functionCallingConfig: { mode: 'NONE' } } });
    expect(none).toMatchObject({ candidates: [{ content: { parts: [{ text: 'Hello from Google Gemini' }] } }] });
  });
});
