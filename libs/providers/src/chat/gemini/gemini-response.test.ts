import { describe, expect, it } from 'vitest';
import { geminiChatAdapter } from './gemini-adapter.js';

const ctx = { model: 'google/gemini-2.0-flash', requestId: 'req_1', createdAt: 1700000000 };

const response = (parts: object[], finishReason: string, extra: object = {}) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason, index: 0, safetyRatings: [] }],
  usageMetadata: { promptTokenCount: 15, candidatesTokenCount: 6, totalTokenCount: 21 },
  modelVersion: 'gemini-2.0-flash',
  responseId: 'resp-1',
  ...extra,
});

describe('gemini parseResponse', () => {
  it('translates a text answer', () => {
    expect(geminiChatAdapter.parseResponse(response([{ text: 'Hello ' }, { text: 'there' }], 'STOP'), ctx)).toEqual({
      ok: true,
      value: {
        body: {
          id: 'resp-1', object: 'chat.completion', created: 1700000000, model: 'google/gemini-2.0-flash',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there', refusal: null }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 15, completion_tokens: 6, total_tokens: 21 },
        },
        usage: { promptTokens: 15, completionTokens: 6, totalTokens: 21 },
      },
    });
  });

  it('translates function calls into tool_calls with generated ids and finish tool_calls', () => {
    const result = geminiChatAdapter.parseResponse(
      response([{ text: 'thinking…', thought: true }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { id: 'own-id', name: 'now', args: {} } }], 'STOP'),
      ctx,
    );
    const choice = result.ok ? result.value.body.choices[0] : undefined;
    expect(choice?.message).toEqual({
      role: 'assistant', content: null, refusal: null,
      tool_calls: [
        { id: 'call_req_1_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'own-id', type: 'function', function: { name: 'now', arguments: '{}' } },
      ],
    });
    expect(choice?.finish_reason).toBe('tool_calls');
  });

  it.each([
    ['STOP', 'stop'], ['MAX_TOKENS', 'length'], ['SAFETY', 'content_filter'], ['RECITATION', 'content_filter'], ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'], ['SPII', 'content_filter'], ['IMAGE_SAFETY', 'content_filter'], ['OTHER', 'stop'], ['LANGUAGE', 'stop'],
  ])('maps finishReason %s to %s', (reason, finish) => {
    const result = geminiChatAdapter.parseResponse(response([{ text: 'x' }], reason), ctx);
    expect(result.ok && result.value.body.choices[0]?.finish_reason).toBe(finish);
  });

  it('fails on MALFORMED_FUNCTION_CALL', () => {
    const result = geminiChatAdapter.parseResponse(response([], 'MALFORMED_FUNCTION_CALL'), ctx);
    expect(!result.ok && result.error.status).toBe(502);
    expect(!result.ok && result.error.body.error.message).toContain('MALFORMED_FUNCTION_CALL');
  });

  it('counts thoughts as completion and tool-use prompt tokens as prompt; reports cached content', () => {
    const result = geminiChatAdapter.parseResponse(
      response([{ text: 'x' }], 'STOP', { usageMetadata: { promptTokenCount: 100, toolUsePromptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 20, cachedContentTokenCount: 60, totalTokenCount: 135 } }),
      ctx,
    );
    expect(result.ok && result.value.usage).toEqual({ promptTokens: 110, completionTokens: 25, totalTokens: 135, cachedPromptTokens: 60 });
  });

  it('maps each candidate to a choice', () => {
    const result = geminiChatAdapter.parseResponse({
      candidates: [
        { content: { parts: [{ text: 'A' }] }, finishReason: 'STOP', index: 0 },
        { content: { parts: [{ text: 'B' }] }, finishReason: 'MAX_TOKENS', index: 1 },
      ],
    }, ctx);
    expect(result.ok && result.value.body.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([[0, 'A', 'stop'], [1, 'B', 'length']]);
    expect(result.ok && result.value.usage).toBeUndefined();
  });

  it('answers a blocked prompt with content_filter', () => {
    const result = geminiChatAdapter.parseResponse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } }, ctx);
    expect(result.ok && result.value.body.choices).toEqual([{ index: 0, message: { role: 'assistant', content: '', refusal: null }, finish_reason: 'content_filter', logprobs: null }]);
  });

  it('fails on an error body delivered with 200 and on a body without candidates', () => {
    const err = geminiChatAdapter.parseResponse({ error: { code: 500, message: 'Internal error', status: 'INTERNAL' } }, ctx);
    expect(!err.ok && err.error.status).toBe(500);
    const empty = geminiChatAdapter.parseResponse({ usageMetadata: {} }, ctx);
    expect(!empty.ok && empty.error.status).toBe(502);
  });
});

describe('gemini parseError', () => {
  const invalidKey = '{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}},{"@type":"type.googleapis.com/google.rpc.LocalizedMessage","locale":"en-US","message":"API key not valid. Please pass a valid API key."}]}}';
  const missingKey = '{"error":{"code":403,"message":"Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.","status":"PERMISSION_DENIED"}}';
  const quota = '{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"28s"}]}}';
  it.each([
    ['invalid key (400 API_KEY_INVALID)', 400, invalidKey, 401, 'authentication_error', 'invalid_api_key', undefined],
    ['deleted key', 400, '{"error":{"code":400,"message":"API Key not found. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}', 401, 'authentication_error', 'invalid_api_key', undefined],
    ['missing key (403)', 403, missingKey, 403, 'permission_error', 'permission_denied', undefined],
    ['quota (429) with RetryInfo', 429, quota, 429, 'rate_limit_error', 'rate_limit_exceeded', 28],
    ['bad model (404)', 404, '{"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}}', 404, 'invalid_request_error', 'not_found', undefined],
    ['bad request (400)', 400, '{"error":{"code":400,"message":"Invalid value at contents","status":"INVALID_ARGUMENT"}}', 400, 'invalid_request_error', null, undefined],
    ['unavailable in an array (non-SSE stream)', 503, '[{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}]', 503, 'server_error', 'overloaded', undefined],
    ['HTML 502', 502, '<!DOCTYPE html><html>Bad Gateway</html>', 502, 'server_error', 'upstream_error', undefined],
  ])('%s', (_name, status, text, expectedStatus, type, code, retry) => {
    const error = geminiChatAdapter.parseError(status, text);
    expect(error.status).toBe(expectedStatus);
    expect(error.body.error.type).toBe(type);
    expect(error.body.error.code).toBe(code);
    expect(error.retryAfterSeconds).toBe(retry);
    expect(error.body.error.message).not.toContain('<');
  });
});
