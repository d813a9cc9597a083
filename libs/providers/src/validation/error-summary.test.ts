import { describe, expect, it } from 'vitest';
import { summarizeErrorBody } from './error-summary.js';

// Bodies as the providers send them (providers.md), compacted to one line.
const CASES: Array<[label: string, body: string, summary: string | undefined]> = [
  [
    'OpenAI',
    '{"error":{"message":"Incorrect API key provided: sk-proj-****MxYA.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}',
    'invalid_api_key: Incorrect API key provided: sk-proj-****MxYA.',
  ],
  [
    'Anthropic',
    '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_011"}',
    'authentication_error: invalid x-api-key',
  ],
  [
    'Gemini',
    '{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}',
    'API_KEY_INVALID: API key not valid. Please pass a valid API key.',
  ],
  ['Gemini without reason', '{"error":{"code":403,"message":"Method doesn\'t allow unregistered callers","status":"PERMISSION_DENIED"}}', "PERMISSION_DENIED: Method doesn't allow unregistered callers"],
  ['OpenRouter', '{"error":{"message":"User not found.","code":401}}', 'User not found.'],
  ['Cohere', '{"message":"invalid api token"}', 'invalid api token'],
  ['Perplexity HTML', '<html><head><title>401 Authorization Required</title></head><body><center>openresty/1.21</center></body></html>', '401 Authorization Required'],
  ['plain text', 'upstream connect error', 'upstream connect error'],
  ['HTML without title', '<html><body>oops</body></html>', undefined],
  ['empty', '', undefined],
];

describe('summarizeErrorBody', () => {
  it.each(CASES)('%s', (_label, body, summary) => {
    expect(summarizeErrorBody(body)).toBe(summary);
  });
});
