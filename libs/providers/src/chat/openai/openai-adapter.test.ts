import { describe, expect, it } from 'vitest';
import type { ChatSpec } from '../../types.js';
import type { BuildRequestInput, UpstreamRequest } from '../chat-adapter.types.js';
import type { OpenAIChatRequest } from '../chat-request.schema.js';
import { openaiChatAdapter } from './openai-adapter.js';

const spec = (streamUsage: ChatSpec['streamUsage'], extra: Partial<ChatSpec> = {}): ChatSpec => ({ dialect: 'openai', path: '/chat/completions', streamUsage, ...extra });

function build(request: Partial<OpenAIChatRequest>, overrides: Partial<BuildRequestInput> = {}): UpstreamRequest {
  const result = openaiChatAdapter.buildRequest({
    request: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...request },
    upstreamModel: 'gpt-4o-mini',
    apiKey: 'sk-test',
    baseUrl: 'https://api.openai.com/v1',
    spec: spec('include_usage'),
    auth: { kind: 'bearer' },
    ...overrides,
  });
  if (!result.ok) throw new Error(result.error.body.error.message);
  return result.value;
}

const bodyOf = (req: UpstreamRequest) => JSON.parse(req.body) as Record<string, unknown>;

describe('openai buildRequest', () => {
  it.each([
    ['include_usage, streaming, no client options', 'include_usage', { stream: true }, { include_usage: true }],
    ['include_usage, streaming, client said false', 'include_usage', { stream: true, stream_options: { include_usage: false } }, { include_usage: true }],
    ['include_usage keeps other client options', 'include_usage', { stream: true, stream_options: { include_usage: true, x: 1 } }, { include_usage: true, x: 1 }],
    ['unsupported (Cohere) strips stream_options', 'unsupported', { stream: true, stream_options: { include_usage: true } }, undefined],
    ['non-streaming strips stream_options', 'include_usage', { stream: false, stream_options: { include_usage: true } }, undefined],
    ['non-streaming without options adds none', 'include_usage', {}, undefined],
  ] as const)('%s', (_name, streamUsage, request, expected) => {
    const body = bodyOf(build(request, { spec: spec(streamUsage) }));
    expect(body.stream_options).toEqual(expected);
    expect('stream_options' in body).toBe(expected !== undefined);
  });

  it('rewrites the model and passes every other field through', () => {
    const req = build({ temperature: 0.2, logit_bias: { '50256': -100 }, search_domain_filter: ['example.com'], tools: [{ type: 'function', function: { name: 'f' } }] });
    expect(bodyOf(req)).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
      logit_bias: { '50256': -100 },
      search_domain_filter: ['example.com'],
      tools: [{ type: 'function', function: { name: 'f' } }],
    });
  });

  it('builds URL and bearer auth', () => {
    const req = build({ stream: true }, { baseUrl: 'https://api.groq.com/openai/v1/' });
    expect(req.url).toBe('https://api.groq.com/openai/v1/chat/completions');
    expect(req.method).toBe('POST');
    expect(req.headers).toEqual({ 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer sk-test' });
  });

  it('uses spec.auth over the provider auth', () => {
    const req = build({}, { spec: spec('include_usage', { auth: { kind: 'header', header: 'X-Api-Key', extraHeaders: { 'X-Extra': '1' } } }) });
    expect(req.headers['x-api-key']).toBe('sk-test');
    expect(req.headers['x-extra']).toBe('1');
    expect(req.headers.authorization).toBeUndefined();
  });
});

describe('openai parseResponse', () => {
  const ctx = { model: 'openai/gpt-4o-mini', requestId: 'req_1', createdAt: 1 };

  it('passes an OpenAI body through and reads usage', () => {
    const upstream = {
      id: 'chatcmpl-abc', object: 'chat.completion', created: 1700000000, model: 'gpt-4o-mini', system_fingerprint: 'fp_x',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, prompt_tokens_details: { cached_tokens: 4 } },
    };
    const result = openaiChatAdapter.parseResponse(upstream, ctx);
    expect(result).toEqual({ ok: true, value: { body: upstream, usage: { promptTokens: 9, completionTokens: 2, totalTokens: 11, cachedPromptTokens: 4 } } });
  });

  it('fills fields a compatible provider left out and keeps its extras', () => {
    const result = openaiChatAdapter.parseResponse(
      { citations: ['https://a'], choices: [{ message: { content: 'x', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }, 'junk'] }, finish_reason: 'tool_calls' }] },
      ctx,
    );
    expect(result.ok && result.value.body).toEqual({
      id: 'req_1', object: 'chat.completion', created: 1, model: 'openai/gpt-4o-mini', citations: ['https://a'],
      choices: [{ index: 0, message: { role: 'assistant', content: 'x', refusal: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls', logprobs: null }],
    });
    expect(result.ok && result.value.usage).toBeUndefined();
  });

  it('fails on an OpenRouter error delivered with HTTP 200', () => {
    const result = openaiChatAdapter.parseResponse({ error: { code: 502, message: 'Provider returned error' } }, ctx);
    expect(result).toEqual({ ok: false, error: { status: 502, body: { error: { message: 'Provider returned error', type: 'server_error', code: 'upstream_error', param: null } } } });
  });

  it('fails on a malformed body', () => {
    const result = openaiChatAdapter.parseResponse({ nope: true }, ctx);
    expect(!result.ok && result.error.status).toBe(502);
  });
});

describe('openai parseError', () => {
  const perplexityHtml = '<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>openresty/1.25.3.1</center>\r\n</body>\r\n</html>';
  it.each([
    ['OpenAI invalid key', 401, '{"error":{"message":"Incorrect API key provided: sk-proj-****MxYA.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}', {}, 401, { message: 'Incorrect API key provided: sk-proj-****MxYA.', type: 'invalid_request_error', code: 'invalid_api_key' }],
    ['OpenAI no quota', 429, '{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}', {}, 429, { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' }],
    ['OpenRouter 402', 402, '{"error":{"message":"This request requires more credits","code":402,"metadata":{"provider_name":null}},"user_id":"user_1"}', {}, 402, { message: 'This request requires more credits', type: 'insufficient_quota', code: 'insufficient_quota' }],
    ['OpenRouter 401', 401, '{"error":{"message":"User not found.","code":401}}', {}, 401, { message: 'User not found.', type: 'authentication_error', code: 'invalid_api_key' }],
    ['OpenRouter 429', 429, '{"error":{"message":"Rate limit exceeded","code":429}}', {}, 429, { message: 'Rate limit exceeded', type: 'rate_limit_error', code: 'rate_limit_exceeded' }],
    ['Cohere 401', 401, '{"message":"invalid api token"}', {}, 401, { message: 'invalid api token', type: 'authentication_error', code: 'invalid_api_key' }],
    ['Perplexity HTML 401', 401, perplexityHtml, { providerName: 'Perplexity' }, 401, { message: 'Perplexity rejected the API key', type: 'authentication_error', code: 'invalid_api_key' }],
    ['Perplexity JSON 401', 401, '{"error":{"message":"Invalid API key provided.","type":"invalid_api_key","code":401}}', {}, 401, { message: 'Invalid API key provided.', type: 'invalid_api_key', code: 'invalid_api_key' }],
    ['Groq 401', 401, '{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}', {}, 401, { message: 'Invalid API Key', type: 'invalid_request_error', code: 'invalid_api_key' }],
    ['HTML 502 page', 502, '<html><body>Bad gateway</body></html>', { providerName: 'Together' }, 502, { message: 'Together returned HTTP 502', type: 'server_error', code: 'upstream_error' }],
    ['plain text 400', 400, 'model not found', {}, 400, { message: 'model not found', type: 'invalid_request_error', code: null }],
    ['empty 503', 503, '', {}, 503, { message: 'The provider returned HTTP 503', type: 'server_error', code: 'overloaded' }],
  ])('%s', (_name, status, text, ctx, expectedStatus, expected) => {
    const error = openaiChatAdapter.parseError(status, text, ctx);
    expect(error.status).toBe(expectedStatus);
    expect(error.body).toEqual({ error: { ...expected, param: null } });
  });

  it('reads retry-after and applies the scrubber', () => {
    const error = openaiChatAdapter.parseError(429, '{"error":{"message":"slow down gsk_abcdef","type":"tokens","code":"rate_limit_exceeded"}}', {
      headers: { 'retry-after': '7' },
      scrub: (m) => m.replace(/gsk_\w+/, 'gsk_***'),
    });
    expect(error.retryAfterSeconds).toBe(7);
    expect(error.body.error.message).toBe('slow down gsk_***');
  });
});
