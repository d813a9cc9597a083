import { describe, expect, it } from 'vitest';
import type { ChatSpec } from '../../types.js';
import type { ChatResult, UpstreamRequest } from '../chat-adapter.types.js';
import type { OpenAIChatRequest } from '../chat-request.schema.js';
import { geminiChatAdapter } from './gemini-adapter.js';

const spec: ChatSpec = { dialect: 'gemini', path: '/models', streamUsage: 'native' };

function build(request: Partial<OpenAIChatRequest>, upstreamModel = 'gemini-2.0-flash'): ChatResult<UpstreamRequest> {
  return geminiChatAdapter.buildRequest({
    request: { model: 'google/gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }], ...request },
    upstreamModel,
    apiKey: 'AIza-test',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    spec,
    auth: { kind: 'header', header: 'x-goog-api-key' },
  });
}

function body(request: Partial<OpenAIChatRequest>): Record<string, unknown> {
  const result = build(request);
  if (!result.ok) throw new Error(result.error.body.error.message);
  return JSON.parse(result.value.body) as Record<string, unknown>;
}

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false, $schema: 'http://json-schema.org/draft-07/schema#' } },
};

describe('gemini buildRequest', () => {
  it.each([
    ['non-streaming', false, 'gemini-2.0-flash', 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent'],
    ['streaming', true, 'gemini-2.0-flash', 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse'],
    ['a models/ prefixed id', false, 'models/gemini-2.5-pro', 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent'],
  ])('builds the %s URL', (_name, stream, model, url) => {
    const result = build({ stream }, model);
    expect(result.ok && result.value.url).toBe(url);
    expect(result.ok && result.value.headers['x-goog-api-key']).toBe('AIza-test');
    expect(result.ok && result.value.headers.authorization).toBeUndefined();
  });

  it('maps roles, system instruction and generation config', () => {
    expect(body({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: 'Use French.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Salut' },
        { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } }, { type: 'image_url', image_url: { url: 'https://x.example/a.png?s=1' } }] },
      ],
      temperature: 0.3, top_p: 0.8, max_completion_tokens: 100, stop: 'END', n: 2, presence_penalty: 0.1, frequency_penalty: 0.2, seed: 7,
      response_format: { type: 'json_object' },
    })).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Use French.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Salut' }] },
        { role: 'user', parts: [{ text: 'Look' }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } }, { fileData: { mimeType: 'image/png', fileUri: 'https://x.example/a.png?s=1' } }] },
      ],
      generationConfig: { temperature: 0.3, topP: 0.8, maxOutputTokens: 100, stopSequences: ['END'], candidateCount: 2, presencePenalty: 0.1, frequencyPenalty: 0.2, seed: 7, responseMimeType: 'application/json' },
    });
  });

  it('omits generationConfig when nothing is set', () => {
    expect(body({})).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  });

  it('translates a tool round trip, naming responses from the earlier call ids', () => {
    const b = body({
      tools: [weatherTool, { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: 'Let me check.', tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_b', type: 'function', function: { name: 'now', arguments: '' } },
        ] },
        { role: 'tool', tool_call_id: 'call_a', content: '{"temp":20}' },
        { role: 'tool', tool_call_id: 'call_b', content: '"12:00"' },
        { role: 'tool', tool_call_id: 'unknown', name: 'legacy_name', content: 'plain text' },
      ],
    });
    expect(b.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ text: 'Let me check.' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'now', args: {} } }] },
      { role: 'user', parts: [
        { functionResponse: { name: 'get_weather', response: { temp: 20 } } },
        { functionResponse: { name: 'now', response: { result: '12:00' } } },
        { functionResponse: { name: 'legacy_name', response: { result: 'plain text' } } },
      ] },
    ]);
    // additionalProperties and $schema are stripped; an empty parameter object is omitted.
    expect(b.tools).toEqual([{ functionDeclarations: [
      { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      { name: 'now' },
    ] }]);
  });

  it.each([
    ['auto', 'auto', { mode: 'AUTO' }],
    ['required', 'required', { mode: 'ANY' }],
    ['none', 'none', { mode: 'NONE' }],
    ['named', { type: 'function', function: { name: 'get_weather' } }, { mode: 'ANY', allowedFunctionNames: ['get_weather'] }],
  ] as const)('maps tool_choice %s', (_name, choice, expected) => {
    expect(body({ tools: [weatherTool], tool_choice: choice }).toolConfig).toEqual({ functionCallingConfig: expected });
  });

  it('rewrites JSON Schema idioms Gemini lacks', () => {
    const b = body({ tools: [{ type: 'function', function: { name: 'f', parameters: {
      type: 'object',
      properties: {
        a: { type: ['string', 'null'], const: 'x' },
        b: { type: 'array', items: { type: 'object', properties: { c: { type: 'integer', minimum: 0 } }, additionalProperties: false } },
        d: { anyOf: [{ type: 'string' }, { type: 'number', exclusiveMinimum: 0 }] },
      },
    } } }] });
    expect(b.tools).toEqual([{ functionDeclarations: [{ name: 'f', parameters: {
      type: 'object',
      properties: {
        a: { type: 'string', nullable: true, enum: ['x'] },
        b: { type: 'array', items: { type: 'object', properties: { c: { type: 'integer', minimum: 0 } } } },
        d: { anyOf: [{ type: 'string' }, { type: 'number' }] },
      },
    } }] }]);
  });

  it.each([
    ['a tool result for an unknown call', { messages: [{ role: 'tool' as const, tool_call_id: 'nope', content: 'x' }] }, 'messages[0].tool_call_id does not match an earlier tool call'],
    ['invalid tool arguments', { messages: [{ role: 'assistant' as const, content: null, tool_calls: [{ id: 't', type: 'function' as const, function: { name: 'f', arguments: '[1]' } }] }] }, 'messages[0].tool_calls[0].function.arguments must be a JSON object'],
    ['a file part', { messages: [{ role: 'user' as const, content: [{ type: 'file' as const, file: { file_id: 'f' } }] }] }, "messages[0].content[0]: Gemini does not accept 'file' parts here"],
  ])('fails with a 400 for %s', (_name, request, message) => {
    const result = build(request);
    expect(!result.ok && result.error.status).toBe(400);
    expect(!result.ok && result.error.body.error.message).toBe(message);
  });
});
