import { ANTHROPIC_MODELS, fakeKey, GEMINI_MODELS, GROQ_MODELS, type MockProviders, OPENAI_MODELS, type Scenario, startMockProviders, TOGETHER_MODELS } from '@byok/mock-providers';
import { PROVIDER_IDS, PROVIDERS, type ProviderId, type ValidationOutcome, type ValidationStatus, validateKey } from '@byok/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoKeyMaterial } from './test-helpers.js';

/** What the validator should conclude for each provider (see the mock's README for why). */
const EXPECTED: Record<ProviderId, { models?: readonly string[]; noCredit: ValidationStatus; invalidHttp: number; serverHttp: number }> = {
  openrouter: { noCredit: 'no_credit', invalidHttp: 401, serverHttp: 502 },
  openai: { models: OPENAI_MODELS, noCredit: 'no_credit', invalidHttp: 401, serverHttp: 500 },
  anthropic: { models: ANTHROPIC_MODELS, noCredit: 'no_credit', invalidHttp: 401, serverHttp: 529 },
  google: { models: GEMINI_MODELS, noCredit: 'valid', invalidHttp: 400, serverHttp: 503 },
  cohere: { noCredit: 'valid', invalidHttp: 401, serverHttp: 500 },
  together: { models: TOGETHER_MODELS, noCredit: 'valid', invalidHttp: 401, serverHttp: 503 },
  groq: { models: GROQ_MODELS, noCredit: 'valid', invalidHttp: 401, serverHttp: 503 },
  perplexity: { noCredit: 'valid', invalidHttp: 401, serverHttp: 502 },
};

const TIMEOUT_MS = 300;
let mock: MockProviders;

beforeAll(async () => {
  mock = await startMockProviders({ slowDelayMs: 2000 });
});
afterAll(async () => mock.close());

/** Runs the validator against the mock and checks the universal invariant: no key in the message. */
async function check(provider: ProviderId, scenario: Scenario, seed = 'v'): Promise<ValidationOutcome> {
  const apiKey = fakeKey(provider, scenario, seed);
  const outcome = await validateKey({ provider: PROVIDERS[provider], baseUrl: mock.baseUrls[provider], apiKey, timeoutMs: TIMEOUT_MS });
  expectNoKeyMaterial(JSON.stringify(outcome), apiKey);
  expect(outcome.message.length).toBeLessThanOrEqual(400);
  expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
  return outcome;
}

describe.each(PROVIDER_IDS)('validateKey against the %s mock', (provider) => {
  const expected = EXPECTED[provider];
  const name = PROVIDERS[provider].displayName;

  it('valid key → valid, with the model list where the provider gives one', async () => {
    const outcome = await check(provider, 'valid');
    expect(outcome).toMatchObject({ status: 'valid', httpStatus: 200 });
    expect(outcome.models).toEqual(expected.models ? [...expected.models] : undefined);
    expect(outcome.message).toContain(`${name} accepted the key`);
  });

  it('unknown key → invalid', async () => {
    const outcome = await check(provider, 'invalid');
    expect(outcome).toMatchObject({ status: 'invalid', httpStatus: expected.invalidHttp });
    expect(outcome.message).toMatch(new RegExp(`^${name} rejected the key \\(HTTP ${expected.invalidHttp}: .+\\)\\.$`));
  });

  it(`no-credit key → ${expected.noCredit}`, async () => {
    const outcome = await check(provider, 'no_credit');
    expect(outcome.status).toBe(expected.noCredit);
  });

  it('rate-limited key → rate_limited, honouring retry-after', async () => {
    const outcome = await check(provider, 'rate_limited');
    expect(outcome).toMatchObject({ status: 'rate_limited', httpStatus: 429, retryAfterMs: 1000 });
    expect(outcome.message).toContain('Retry after 1 s');
  });

  it('rate-limited once → rate_limited, then valid on retry', async () => {
    expect((await check(provider, 'rate_limited_once')).status).toBe('rate_limited');
    expect((await check(provider, 'rate_limited_once')).status).toBe('valid');
  });

  it('server error → unreachable', async () => {
    const outcome = await check(provider, 'server_error');
    expect(outcome).toMatchObject({ status: 'unreachable', httpStatus: expected.serverHttp });
    expect(outcome.message).toContain(`${name} had a server error (HTTP ${expected.serverHttp}`);
  });

  it('slow provider → unreachable within the timeout', async () => {
    const outcome = await check(provider, 'slow');
    expect(outcome.status).toBe('unreachable');
    expect(outcome.httpStatus).toBeUndefined();
    expect(outcome.message).toBe(`${name} did not answer within ${TIMEOUT_MS} ms.`);
    expect(outcome.latencyMs).toBeLessThan(1500);
  });

  it('redirect → unreachable, and the target is never called', async () => {
    const outcome = await check(provider, 'redirect');
    expect(outcome).toMatchObject({ status: 'unreachable', httpStatus: 302 });
    expect(outcome.message).toContain('redirect');
    expect(mock.calls({ route: 'redirect-target' })).toEqual([]);
  });
});

describe('validateKey, provider specifics', () => {
  it('keeps OpenRouter limit and usage, but not the masked label', async () => {
    const valid = await check('openrouter', 'valid', 'details');
    expect(valid.details).toMatchObject({ limit: null, limit_remaining: null, usage: 1.25, is_free_tier: false });
    expect(valid.details).not.toHaveProperty('label');
    const empty = await check('openrouter', 'no_credit', 'details');
    expect(empty.details).toMatchObject({ limit: 10, limit_remaining: 0, usage: 10 });
    expect(empty.message).toContain('spending limit is used up');
  });

  it('names the Anthropic error type and the low-credit reason', async () => {
    expect((await check('anthropic', 'invalid')).message).toBe('Anthropic rejected the key (HTTP 401: authentication_error: invalid x-api-key).');
    expect((await check('anthropic', 'no_credit')).message).toContain('credit balance is too low');
  });

  it('reads Gemini 400 API_KEY_INVALID as invalid', async () => {
    expect((await check('google', 'invalid')).message).toContain('API_KEY_INVALID');
  });

  it('scrubs the masked key OpenAI echoes', async () => {
    const outcome = await check('openai', 'invalid');
    expect(outcome.message).toContain('Incorrect API key provided: [redacted]****');
  });

  it('keeps Cohere organisation facts', async () => {
    expect((await check('cohere', 'valid')).details).toEqual({ organization_id: 'org-mock-0001', owner_id: 'owner-mock-0001' });
  });

  it('reads Perplexity HTML 401 as invalid', async () => {
    const outcome = await validateKey({
      provider: PROVIDERS.perplexity,
      baseUrl: mock.baseUrls.perplexity,
      apiKey: 'pplx-malformed-key-for-the-html-page',
      timeoutMs: TIMEOUT_MS,
    });
    expect(outcome).toMatchObject({ status: 'invalid', httpStatus: 401 });
    expect(outcome.message).toBe('Perplexity rejected the key (HTTP 401: 401 Authorization Required).');
  });

  it('sends the Perplexity check as a one-token sonar chat call', async () => {
    mock.resetCalls();
    await check('perplexity', 'valid', 'shape');
    expect(mock.calls({ provider: 'perplexity' })).toMatchObject([{ method: 'POST', path: '/chat/completions', route: 'perplexity-chat-fallback' }]);
  });

  it('never sends an empty key or one with control characters', async () => {
    mock.resetCalls();
    for (const apiKey of ['', 'bad\nkey', 'with space']) {
      const outcome = await validateKey({ provider: PROVIDERS.groq, baseUrl: mock.baseUrls.groq, apiKey, timeoutMs: TIMEOUT_MS });
      expect(outcome.status).toBe('invalid');
    }
    expect(mock.calls()).toEqual([]);
  });
});
