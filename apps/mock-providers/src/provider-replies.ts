import { PROVIDERS, type ProviderId } from '@byok/providers';
import type { MockReply } from './mock-route.js';

/**
 * Each provider's error answers as the real API sends them (providers.md §1–§8). Where the
 * reference marks a body as unconfirmed (⚠), the mock uses the provider's usual envelope and the
 * comment says so.
 */
export interface ProviderReplies {
  /** No credential at all (or a garbled header). */
  missingKey(): MockReply;
  /** A credential the provider does not know; may echo a masked form of it like the real API. */
  invalidKey(presented: string): MockReply;
  /** 429 with `retry-after: 1` and the provider's rate-limit headers. */
  rateLimited(): MockReply;
  /** The provider's typical 5xx. */
  serverError(): MockReply;
  /** How the provider says "no credit", where that is known. */
  noCredit?: () => MockReply;
  notFound(method: string, path: string): MockReply;
}

const OPENRESTY = (status: number, title: string): MockReply => ({
  status,
  contentType: 'text/html',
  body: `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>openresty/1.25.3.1</center>\r\n</body>\r\n</html>\r\n`,
});

const openAiError = (message: string, type: string, code: string | null): unknown => ({ error: { message, type, param: null, code } });

const inSeconds = (s: number): string => new Date(Date.now() + s * 1000).toISOString();

const xRateLimit = (): Record<string, string> => ({
  'retry-after': '1',
  'x-ratelimit-limit-requests': '500',
  'x-ratelimit-remaining-requests': '0',
  'x-ratelimit-reset-requests': '1s',
  'x-ratelimit-limit-tokens': '30000',
  'x-ratelimit-remaining-tokens': '0',
  'x-ratelimit-reset-tokens': '1s',
});

const genericNotFound = (): MockReply => ({ status: 404, body: { error: { message: 'Not Found', code: 404 } } });

/** OpenAI shows the key's first 8 and last 4 characters, as in "sk-proj-****MxYA". */
function maskLikeOpenAi(key: string): string {
  return key.length > 12 ? `${key.slice(0, 8)}****${key.slice(-4)}` : '****';
}

export const PROVIDER_REPLIES: Readonly<Record<ProviderId, ProviderReplies>> = {
  openai: {
    // ⚠ type/code of the missing-key body are unconfirmed.
    missingKey: () => ({
      status: 401,
      body: openAiError(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
        'invalid_request_error',
        null,
      ),
    }),
    invalidKey: (key) => ({
      status: 401,
      headers: { 'x-request-id': 'req_mock_openai' },
      body: openAiError(
        `Incorrect API key provided: ${maskLikeOpenAi(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      ),
    }),
    rateLimited: () => ({
      status: 429,
      headers: xRateLimit(),
      body: openAiError(
        'Rate limit reached for gpt-4o in organization org-mock on tokens per min (TPM): Limit 30000, Used 30000, Requested 120. Please try again in 1s.',
        'tokens',
        'rate_limit_exceeded',
      ),
    }),
    serverError: () => ({
      status: 500,
      body: openAiError('The server had an error while processing your request. Sorry about that!', 'server_error', null),
    }),
    noCredit: () => ({
      status: 429,
      body: openAiError(
        'You exceeded your current quota, please check your plan and billing details.',
        'insufficient_quota',
        'insufficient_quota',
      ),
    }),
    notFound: (method, path) => ({ status: 404, body: openAiError(`Invalid URL (${method} ${path})`, 'invalid_request_error', null) }),
  },

  openrouter: {
    missingKey: () => ({ status: 401, body: { error: { message: 'No auth credentials found', code: 401 } } }),
    invalidKey: () => ({ status: 401, body: { error: { message: 'User not found.', code: 401 } } }),
    rateLimited: () => ({
      status: 429,
      headers: {
        'retry-after': '1',
        'x-ratelimit-limit': '20',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Date.now() + 1000),
      },
      body: { error: { message: 'Rate limit exceeded: free-models-per-min.', code: 429 } },
    }),
    serverError: () => ({ status: 502, body: { error: { message: 'Provider returned error', code: 502 } } }),
    noCredit: () => ({
      status: 402,
      body: {
        error: {
          message:
            'This request requires more credits, or fewer max_tokens. You requested up to 65536 tokens, but can only afford 0. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account',
          code: 402,
          metadata: { provider_name: null },
        },
        user_id: 'user_mock',
      },
    }),
    notFound: genericNotFound,
  },

  anthropic: {
    // ⚠ the exact missing-key message is unconfirmed.
    missingKey: () => anthropicError(401, 'authentication_error', 'x-api-key header is required'),
    invalidKey: () => anthropicError(401, 'authentication_error', 'invalid x-api-key'),
    rateLimited: () => ({
      ...anthropicError(429, 'rate_limit_error', 'Number of requests has exceeded your per-minute rate limit.'),
      headers: {
        'retry-after': '1',
        'request-id': 'req_mock_anthropic',
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': inSeconds(1),
        'anthropic-ratelimit-tokens-limit': '40000',
        'anthropic-ratelimit-tokens-remaining': '0',
        'anthropic-ratelimit-tokens-reset': inSeconds(1),
      },
    }),
    serverError: () => anthropicError(529, 'overloaded_error', 'Overloaded'),
    noCredit: () =>
      anthropicError(
        400,
        'invalid_request_error',
        'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
      ),
    notFound: () => anthropicError(404, 'not_found_error', 'Not Found'),
  },

  google: {
    missingKey: () => googleError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."),
    invalidKey: () =>
      googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
        { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
      ]),
    // Gemini sends no rate-limit headers of its own; the delay also sits in RetryInfo.
    rateLimited: () => ({
      ...googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
        {
          '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
          violations: [
            {
              quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
              quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            },
          ],
        },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' },
      ]),
      headers: { 'retry-after': '1' },
    }),
    serverError: () => googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
    notFound: (_method, path) => googleError(404, 'NOT_FOUND', `Requested entity was not found: ${path}`),
  },

  cohere: {
    // ⚠ missing-key, 429 and 5xx bodies are unconfirmed; Cohere uses a bare `{ message }`.
    missingKey: () => ({ status: 401, body: { message: 'no api key supplied' } }),
    invalidKey: () => ({ status: 401, body: { message: 'invalid api token' } }),
    rateLimited: () => ({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { message: "You are using a Trial key, which is limited to 20 API calls / minute. You can continue to use the Trial key for free or upgrade to a Production key with higher rate limits at 'https://dashboard.cohere.com/api-keys'." },
    }),
    serverError: () => ({ status: 500, body: { message: 'internal server error, this has been reported to our developers' } }),
    notFound: () => ({ status: 404, body: { message: 'Not Found' } }),
  },

  together: {
    // ⚠ only the invalid-key body is confirmed; the rest follow its OpenAI-style envelope.
    missingKey: () => ({
      status: 401,
      body: openAiError('Missing API key. You can find your API key at https://api.together.xyz/settings/api-keys.', 'invalid_request_error', 'invalid_api_key'),
    }),
    invalidKey: () => ({
      status: 401,
      body: openAiError('Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys.', 'invalid_request_error', 'invalid_api_key'),
    }),
    rateLimited: () => ({
      status: 429,
      headers: { 'retry-after': '1', 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' },
      body: openAiError('You have reached the rate limit specific to this model. Please try again later.', 'model_rate_limit', null),
    }),
    serverError: () => ({ status: 503, body: openAiError('The server is overloaded or not ready yet.', 'server_error', null) }),
    notFound: genericNotFound,
  },

  groq: {
    missingKey: () => groqInvalid(),
    invalidKey: () => groqInvalid(),
    rateLimited: () => ({
      status: 429,
      headers: { ...xRateLimit(), 'x-request-id': 'req_mock_groq' },
      body: {
        error: {
          message: 'Rate limit reached for model llama-3.1-8b-instant in organization org_mock on tokens per minute (TPM): Limit 15000, Used 15000, Requested 120. Please try again in 1s.',
          type: 'tokens',
          code: 'rate_limit_exceeded',
        },
      },
    }),
    // ⚠ unconfirmed body.
    serverError: () => ({ status: 503, body: { error: { message: 'Service Unavailable', type: 'internal_server_error' } } }),
    notFound: (method, path) => ({ status: 404, body: { error: { message: `Unknown request URL: ${method} ${path}. Please check the URL for typos, or see the docs at https://console.groq.com/docs/`, type: 'invalid_request_error', code: 'unknown_url' } } }),
  },

  perplexity: {
    // The openresty front end rejects requests with no usable bearer before the API sees them.
    missingKey: () => OPENRESTY(401, 'Authorization Required'),
    // Both forms are real: malformed keys get openresty's HTML page, well-formed unknown keys JSON.
    invalidKey: (key) =>
      PROVIDERS.perplexity.keyFormat.pattern.test(key)
        ? {
            status: 401,
            body: { error: { message: 'Invalid API key provided. You can find your API key at https://www.perplexity.ai/settings/api.', type: 'invalid_api_key', code: 401 } },
          }
        : OPENRESTY(401, 'Authorization Required'),
    // ⚠ 429 body unconfirmed.
    rateLimited: () => ({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: { message: 'Rate limit exceeded. Please try again later.', type: 'rate_limit_exceeded', code: 429 } },
    }),
    serverError: () => OPENRESTY(502, 'Bad Gateway'),
    notFound: () => OPENRESTY(404, 'Not Found'),
  },
};

function anthropicError(status: number, type: string, message: string): MockReply {
  return {
    status,
    headers: { 'request-id': 'req_mock_anthropic' },
    body: { type: 'error', error: { type, message }, request_id: 'req_mock_anthropic' },
  };
}

function googleError(status: number, grpcStatus: string, message: string, details?: unknown[]): MockReply {
  return { status, body: { error: { code: status, message, status: grpcStatus, ...(details ? { details } : {}) } } };
}

function groqInvalid(): MockReply {
  return {
    status: 401,
    headers: { 'x-request-id': 'req_mock_groq' },
    body: { error: { message: 'Invalid API Key', type: 'invalid_request_error', code: 'invalid_api_key' } },
  };
}
