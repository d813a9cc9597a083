import { type Authenticated, guard, type GuardOptions } from './mock-auth.js';
import { sendJson } from './mock-reply.js';
import type { MockContext, MockRoute } from './mock-route.js';
import {
  anthropicModelList,
  geminiModelList,
  groqModelList,
  openAiModelList,
  togetherModelList,
} from './model-fixtures.js';

/** A route that runs `guard` first and answers with `render` when the key passes. */
function guarded(
  base: Omit<MockRoute, 'handle'>,
  render: (ctx: MockContext, auth: Authenticated) => unknown,
  options?: GuardOptions,
): MockRoute {
  return {
    ...base,
    async handle(ctx) {
      const auth = await guard(ctx, options);
      if (auth) sendJson(ctx.res, render(ctx, auth));
    },
  };
}

/**
 * OpenRouter's `GET /key`. A `no_credit` key is a working key whose spending limit is used up
 * (`limit_remaining: 0`), which is how OpenRouter shows it before any chat call fails with 402.
 */
function openRouterKey(_ctx: MockContext, auth: Authenticated): unknown {
  const empty = auth.scenario === 'no_credit';
  return {
    data: {
      label: `${auth.key.slice(0, 12)}...${auth.key.slice(-3)}`,
      limit: empty ? 10 : null,
      limit_remaining: empty ? 0 : null,
      limit_reset: empty ? 'monthly' : null,
      include_byok_in_limit: false,
      usage: empty ? 10 : 1.25,
      usage_daily: 0.25,
      usage_weekly: 1,
      usage_monthly: empty ? 10 : 1.25,
      byok_usage: 0,
      is_free_tier: false,
      is_management_key: false,
      is_provisioning_key: false,
      rate_limit: { requests: -1, interval: '10s', note: 'deprecated' },
      expires_at: null,
    },
  };
}

/**
 * The key-check routes of every provider, at the paths the real APIs use below their hosts.
 * No-credit handling follows what the validator can observe (see README): OpenAI and Anthropic
 * answer their no-credit error on the models route (a simplification: the real APIs list models
 * and fail later, on chat); the others have no such signal and list models as usual.
 */
export const KEY_CHECK_ROUTES: readonly MockRoute[] = [
  guarded({ name: 'openrouter-key', provider: 'openrouter', method: 'GET', path: '/api/v1/key' }, openRouterKey, { noCredit: 'pass' }),
  // Older tools call the legacy alias, which answers the same.
  guarded({ name: 'openrouter-auth-key', provider: 'openrouter', method: 'GET', path: '/api/v1/auth/key' }, openRouterKey, { noCredit: 'pass' }),
  guarded({ name: 'openai-models', provider: 'openai', method: 'GET', path: '/v1/models' }, openAiModelList),
  guarded({ name: 'anthropic-models', provider: 'anthropic', method: 'GET', path: '/v1/models' }, anthropicModelList),
  guarded({ name: 'google-models', provider: 'google', method: 'GET', path: '/v1beta/models' }, geminiModelList, { noCredit: 'pass' }),
  guarded(
    { name: 'cohere-check-api-key', provider: 'cohere', method: 'POST', path: '/v1/check-api-key' },
    () => ({ valid: true, organization_id: 'org-mock-0001', owner_id: 'owner-mock-0001' }),
    { noCredit: 'pass' },
  ),
  guarded({ name: 'together-models', provider: 'together', method: 'GET', path: '/v1/models' }, togetherModelList, { noCredit: 'pass' }),
  guarded({ name: 'groq-models', provider: 'groq', method: 'GET', path: '/openai/v1/models' }, groqModelList, { noCredit: 'pass' }),
];
