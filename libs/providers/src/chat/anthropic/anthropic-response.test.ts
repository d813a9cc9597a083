import { describe, expect, it } from 'vitest';
import { anthropicChatAdapter } from './anthropic-adapter.js';

const ctx = { model: 'claude-x', requestId: 'req_1', createdAt: 1700000000 };

const message = (content: object[], stopReason: string, usage: object = { input_tokens: 10, output_tokens: 5 }) => ({
  id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content, stop_reason: stopReason, stop_sequence: null, usage,
});

describe('anthropic parseResponse', () => {
  it('translates a text answer', () => {
    const result = anthropicChatAdapter.parseResponse(message([{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'there' }], 'end_turn'), ctx);
    expect(result).toEqual({
      ok: true,
      value: {
        body: {
          id: 'msg_01', object: 'chat.completion', created: 1700000000, model: 'claude-x',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there', refusal: null }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        },
        usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
      },
    });
  });

  it('translates tool_use blocks into tool_calls, dropping thinking', () => {
    const result = anthropicChatAdapter.parseResponse(
      message([
        { type: 'thinking', thinking: 'hmm', signature: 's' },
        { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
      ], 'tool_use'),
      ctx,
    );
    const choice = result.ok ? result.value.body.choices[0] : undefined;
    expect(choice?.message).toEqual({
      role: 'assistant', content: null, refusal: null,
      tool_calls: [{ id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    });
    expect(choice?.finish_reason).toBe('tool_calls');
  });

  it.each([
    ['end_turn', 'stop'], ['stop_sequence', 'stop'], ['pause_turn', 'stop'], ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'], ['refusal', 'content_filter'], ['something_new', 'stop'],
  ])('maps stop_reason %s to %s', (stopReason, finish) => {
    const result = anthropicChatAdapter.parseResponse(message([{ type: 'text', text: 'x' }], stopReason), ctx);
    expect(result.ok && result.value.body.choices[0]?.finish_reason).toBe(finish);
  });

  it('adds cache reads and writes to prompt tokens', () => {
    const result = anthropicChatAdapter.parseResponse(
      message([{ type: 'text', text: 'x' }], 'end_turn', { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000 }),
      ctx,
    );
    expect(result.ok && result.value.usage).toEqual({ promptTokens: 1110, completionTokens: 5, totalTokens: 1115, cachedPromptTokens: 1000 });
    expect(result.ok && result.value.body.usage).toEqual({ prompt_tokens: 1110, completion_tokens: 5, total_tokens: 1115, prompt_tokens_details: { cached_tokens: 1000 } });
  });

  it('fails on a malformed body', () => {
    const result = anthropicChatAdapter.parseResponse({ type: 'message' }, ctx);
    expect(!result.ok && result.error.status).toBe(502);
  });
});

describe('anthropic parseError', () => {
  const body = (type: string, msg: string) => JSON.stringify({ type: 'error', error: { type, message: msg }, request_id: 'req_011' });
  it.each([
    ['invalid key', 401, body('authentication_error', 'invalid x-api-key'), 401, 'authentication_error', 'invalid_api_key'],
    ['credit too low', 400, body('invalid_request_error', 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.'), 402, 'insufficient_quota', 'insufficient_quota'],
    ['billing error', 402, body('billing_error', 'Billing issue'), 402, 'insufficient_quota', 'insufficient_quota'],
    ['bad request', 400, body('invalid_request_error', 'max_tokens: Field required'), 400, 'invalid_request_error', null],
    ['permission', 403, body('permission_error', 'no'), 403, 'permission_error', 'permission_denied'],
    ['not found', 404, body('not_found_error', 'model: claude-x'), 404, 'invalid_request_error', 'not_found'],
    ['rate limit', 429, body('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['api error', 500, body('api_error', 'Internal server error'), 500, 'server_error', 'upstream_error'],
    ['overloaded 529', 529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', 503, 'server_error', 'overloaded'],
    ['HTML 529', 529, '<html>overloaded</html>', 503, 'server_error', 'overloaded'],
  ])('%s', (_name, status, text, expectedStatus, type, code) => {
    const error = anthropicChatAdapter.parseError(status, text, { headers: { 'retry-after': '3' } });
    expect(error.status).toBe(expectedStatus);
    expect(error.body.error.type).toBe(type);
    expect(error.body.error.code).toBe(code);
    expect(error.body.error.param).toBeNull();
    expect(error.retryAfterSeconds).toBe(3);
  });

  it('keeps the message of a JSON body', () => {
    expect(anthropicChatAdapter.parseError(401, body('authentication_error', 'invalid x-api-key')).body.error.message).toBe('invalid x-api-key');
  });
});
