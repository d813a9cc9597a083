import { describe, expect, it } from 'vitest';
import type { ChatSpec } from '../../types.js';
import type { ChatResult, UpstreamRequest } from '../chat-adapter.types.js';
import type { OpenAIChatRequest } from '../chat-request.schema.js';
import { anthropicChatAdapter } from './anthropic-adapter.js';

const spec: ChatSpec = { dialect: 'anthropic', path: '/v1/messages', streamUsage: 'native' };

function build(request: Partial<OpenAIChatRequest>): ChatResult<UpstreamRequest> {
  return anthropicChatAdapter.buildRequest({
    request: { model: 'claude-x', messages: [{ role: 'user', content: 'hi' }], ...request },
    upstreamModel: 'claude-sonnet-4-5',
    apiKey: 'sk-ant-test',
    baseUrl: 'https://api.anthropic.com',
    spec,
    auth: { kind: 'header', header: 'x-api-key' },
  });
}

function body(request: Partial<OpenAIChatRequest>): Record<string, unknown> {
  const result = build(request);
  if (!result.ok) throw new Error(result.error.body.error.message);
  return JSON.parse(result.value.body) as Record<string, unknown>;
}

const weatherTool = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const anthropicWeatherTool = { name: 'get_weather', description: 'Weather for a city', input_schema: weatherTool.function.parameters };

describe('anthropic buildRequest', () => {
  it('sends the Messages API URL and headers', () => {
    const result = build({ stream: true });
    expect(result.ok && result.value.url).toBe('https://api.anthropic.com/v1/messages');
    expect(result.ok && result.value.headers).toEqual({
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-test',
    });
  });

  it.each([
    ['defaults max_tokens to 4096', {}, { max_tokens: 4096 }],
    ['takes max_tokens', { max_tokens: 50 }, { max_tokens: 50 }],
    ['prefers max_completion_tokens', { max_tokens: 50, max_completion_tokens: 70 }, { max_tokens: 70 }],
    ['maps sampling and stop (string)', { temperature: 0.5, top_p: 0.9, stop: 'END' }, { temperature: 0.5, top_p: 0.9, stop_sequences: ['END'] }],
    ['maps stop (array) and stream', { stop: ['a', 'b'], stream: true }, { stop_sequences: ['a', 'b'], stream: true }],
    ['maps user to metadata', { user: 'u-1' }, { metadata: { user_id: 'u-1' } }],
    ['ignores nulls', { temperature: null, stop: null, user: null }, {}],
  ])('%s', (_name, request, expected) => {
    const { model, messages, ...rest } = body(request);
    expect(model).toBe('claude-sonnet-4-5');
    expect(messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
    expect(rest).toEqual({ max_tokens: 4096, ...expected });
  });

  it('lifts system and developer messages into `system`', () => {
    const b = body({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use French.' }] },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(b.system).toBe('Be brief.\n\nUse French.');
    expect(b.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('translates images: data URLs to base64 blocks, http URLs to url sources', () => {
    const b = body({
      messages: [{ role: 'user', content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      ] }],
    });
    expect(b.messages).toEqual([{ role: 'user', content: [
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ] }]);
  });

  it('translates a tool round trip and merges consecutive tool results into one user message', () => {
    const b = body({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { role: 'assistant', content: null, tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ] },
        { role: 'tool', tool_call_id: 'toolu_1', content: '{"temp":20}' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '25C' }] },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(b.tools).toEqual([anthropicWeatherTool]);
    expect(b.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      { role: 'assistant', content: [
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
      ] },
      { role: 'user', content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"temp":20}' },
        { type: 'tool_result', tool_use_id: 'toolu_2', content: '25C' },
        { type: 'text', text: 'Thanks' },
      ] },
    ]);
  });

  it('merges consecutive same-role messages and drops empty ones', () => {
    const b = body({ messages: [
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
      { role: 'assistant', content: '' },
      { role: 'assistant', content: 'c' },
    ] });
    expect(b.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
    ]);
  });

  it.each([
    ['auto', 'auto', { type: 'auto' }],
    ['required', 'required', { type: 'any' }],
    ['named function', { type: 'function', function: { name: 'get_weather' } }, { type: 'tool', name: 'get_weather' }],
    ['absent', undefined, undefined],
  ] as const)('maps tool_choice %s', (_name, choice, expected) => {
    const b = body({ tools: [weatherTool], ...(choice !== undefined ? { tool_choice: choice } : {}) });
    expect(b.tools).toEqual([anthropicWeatherTool]);
    expect(b.tool_choice).toEqual(expected);
  });

  it('omits tools for tool_choice none, unless the history holds tool blocks', () => {
    const plain = body({ tools: [weatherTool], tool_choice: 'none' });
    expect(plain.tools).toBeUndefined();
    expect(plain.tool_choice).toBeUndefined();
    const withHistory = body({
      tools: [weatherTool],
      tool_choice: 'none',
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
        { role: 'tool', tool_call_id: 't', content: 'sunny' },
      ],
    });
    expect(withHistory.tool_choice).toEqual({ type: 'none' });
    expect(withHistory.tools).toEqual([anthropicWeatherTool]);
  });

  it('maps parallel_tool_calls false and defaults a missing schema', () => {
    const b = body({ tools: [{ type: 'function', function: { name: 'now' } }], parallel_tool_calls: false });
    expect(b.tools).toEqual([{ name: 'now', input_schema: { type: 'object', properties: {} } }]);
    expect(b.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  it.each([
    ['invalid tool arguments', { messages: [{ role: 'assistant' as const, content: null, tool_calls: [{ id: 't', type: 'function' as const, function: { name: 'f', arguments: '{oops' } }] }] }, 'messages[0].tool_calls[0].function.arguments must be a JSON object'],
    ['a tool message without id', { messages: [{ role: 'tool' as const, content: 'x' }] }, 'messages[0].tool_call_id is required'],
    ['an audio part', { messages: [{ role: 'user' as const, content: [{ type: 'input_audio' as const, input_audio: { data: 'AA', format: 'wav' } }] }] }, "messages[0].content[0]: Anthropic does not accept 'input_audio' parts"],
  ])('fails with a 400 for %s', (_name, request, message) => {
    const result = build(request);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.status).toBe(400);
    expect(!result.ok && result.error.body.error.message).toBe(message);
  });
});
