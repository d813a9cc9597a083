import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { ChatCompletionRequestSchema } from './chat-request.schema.js';

const ok = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('ChatCompletionRequestSchema', () => {
  it.each([
    ['minimal', ok],
    ['every translated field', {
      ...ok, stream: true, stream_options: { include_usage: true }, max_tokens: 10, max_completion_tokens: 10, temperature: 2, top_p: 1, n: 2,
      stop: ['a', 'b'], presence_penalty: 0, frequency_penalty: 0, seed: 1, user: 'u', parallel_tool_calls: false, response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'd', parameters: { type: 'object', properties: {} }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    }],
    ['explicit nulls, as some clients send', { ...ok, temperature: null, stop: null, tools: null, tool_choice: null, stream_options: null, max_tokens: null }],
    ['unknown top-level fields (passed on by the openai dialect)', { ...ok, logit_bias: { 1: 2 }, reasoning_effort: 'low', metadata: { a: 'b' } }],
    ['every role and content form', { model: 'm', messages: [
      { role: 'system', content: 's' },
      { role: 'developer', content: [{ type: 'text', text: 'd' }] },
      { role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==', detail: 'low' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c', content: '{"ok":true}' },
    ] }],
    ['tool_choice strings', { ...ok, tool_choice: 'required' }],
  ])('accepts %s', (_name, body) => {
    expect(Value.Check(ChatCompletionRequestSchema, body)).toBe(true);
  });

  it.each([
    ['no model', { messages: ok.messages }],
    ['empty model', { ...ok, model: '' }],
    ['no messages', { model: 'm' }],
    ['empty messages', { model: 'm', messages: [] }],
    ['unknown role', { model: 'm', messages: [{ role: 'function', content: 'x' }] }],
    ['temperature above 2', { ...ok, temperature: 2.5 }],
    ['top_p above 1', { ...ok, top_p: 1.5 }],
    ['max_tokens 0', { ...ok, max_tokens: 0 }],
    ['non-integer n', { ...ok, n: 1.5 }],
    ['unknown content part', { model: 'm', messages: [{ role: 'user', content: [{ type: 'video', video: {} }] }] }],
    ['content of the wrong type', { model: 'm', messages: [{ role: 'user', content: 5 }] }],
    ['unknown tool_choice', { ...ok, tool_choice: 'sometimes' }],
    ['non-function tool', { ...ok, tools: [{ type: 'retrieval' }] }],
  ])('rejects %s', (_name, body) => {
    expect(Value.Check(ChatCompletionRequestSchema, body)).toBe(false);
  });
});
