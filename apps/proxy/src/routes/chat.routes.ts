import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LogLevel } from 'fastify';
import { ChatCompletionRequestSchema } from '@byok/providers';
import { createChatHandler } from '../chat/chat-completions.handler.js';
import { typeboxValidatorCompiler } from '../chat/typebox-validator.js';
import type { ProxyServices } from '../services/proxy-services.js';

/** The OpenAI path and the platform's own path for the same operation. */
export const CHAT_COMPLETIONS_PATHS = ['/v1/chat/completions', '/api/v1/llm/chat/completions'] as const;

export interface ChatRoutesOptions {
  services: ProxyServices;
  bodyLimitBytes: number;
  logLevel: LogLevel;
}

/** `POST /v1/chat/completions` and its alias. */
export const chatRoutes: FastifyPluginAsyncTypebox<ChatRoutesOptions> = async (app, { services, bodyLimitBytes, logLevel }) => {
  const handler = createChatHandler(services);
  for (const url of CHAT_COMPLETIONS_PATHS) {
    app.post(url, {
      bodyLimit: bodyLimitBytes,
      logLevel,
      validatorCompiler: typeboxValidatorCompiler,
      schema: {
        tags: ['proxy'],
        summary: 'Create a chat completion (OpenAI-compatible)',
        description:
          'Routes the request through your OpenRouter key, else your key for the model’s provider, else a platform key charged in credits. `stream: true` answers with server-sent events. Your keys are a pool: your OpenRouter keys by priority, then your keys for the model’s provider by priority (equal priorities take turns), then the platform key unless your `platform_fallback` setting or the `x-byok-fallback: never` request header says never (then `400 no_route` when no key of yours can serve). An attempt that fails before any byte of the answer was sent (no connection, no headers in time, 401/403, 402, 429, 500, 502, 503, 504, 529) goes on to the next key, at most `PROXY_MAX_ATTEMPTS` attempts; 400, 404 and 422 are returned as they are. A key that reported no credit, is cooling down, rests after repeated failures (open circuit), is outside its `models` list or did not list the model at its last test is skipped, also when it is your last: then the platform key, or `400 no_route` naming each key’s reason, with `Retry-After` and `error.retry_after` (seconds) when a resting key says when it may serve again. Response headers `x-byok-used`, `x-byok-provider`, `x-byok-route` (every candidate, and every attempt’s outcome, each key named by provider and label, such as `user_provider(openai/work):failed=429 cooled 2s; user_provider(openai/default):chosen=200`) and `x-byok-attempts` say which path was taken. 429 `rate_limited` with `Retry-After` when the caller has too many requests in flight on this instance (`PROXY_MAX_CONCURRENT_PER_USER`, `PROXY_MAX_CONCURRENT_PER_KEY`) or too many per minute (`PROXY_RATE_LIMIT_RPM` for platform-key requests, `PROXY_BYOK_RATE_LIMIT_RPM` for your own keys). Acting for an organization — the `x-byok-org: <org id>` header, or a gateway token created for the org, which always acts for it (another `x-byok-org` on it: 400 `org_mismatch`) — the org’s keys join yours in the order of its `member_keys` policy (`prefer`: yours first; `allow`: the org’s first; `forbid`: the org’s only) and its `platform_fallback` applies; the receipt names org keys `org:<provider>/<label>`, and an org key never comes back in an answer. Not a member of that org, or no such org: 404 `org_not_found`. Budgets: the request holds its estimate (1 request; prompt plus `max_tokens` or `PROXY_CREDIT_DEFAULT_MAX_TOKENS`, in tokens and list-price micro-USD) on every budget that applies; a key whose budget is exhausted is skipped (`skipped=budget_exceeded(budget <id>)` in `x-byok-route`) and the next key tried; with no key left, 429 `budget_exceeded` naming the budget, with `Retry-After` until its reset. `x-byok-budget-remaining: <metric>=<left>; budget=<id>; resets=<RFC 3339>` names the tightest applying budget (what is left after this request’s hold; far from a limit, where the instance serves holds from a slice it leased, as the instance saw the others’ use at most 200 ms before). A stream is cut where its hold runs out: a last chunk with `finish_reason: "length"`, an error event with code `budget_exceeded`, then `data: [DONE]`. 503 `redis_unavailable` while the budget counters are unreachable and `BUDGET_REDIS_DOWN` is closed for the request.',
        body: ChatCompletionRequestSchema,
      },
      handler,
    });
  }
};
