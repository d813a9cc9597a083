import type { UsageEvent } from '@byok/queues';

/** A valid usage event for the sink and spool tests, told apart by `req-<n>`. */
export function usageEvent(n: number): UsageEvent {
  const numbers = { statusCode: 200, promptTokens: 1, completionTokens: 1, costMicro: 0, creditsMicro: 0, latencyMs: 5 };
  return { requestId: `req-${n}`, userId: 'u1', provider: 'openai', model: 'gpt-4o-mini', credentialSource: 'user_provider', stream: false, ...numbers, occurredAt: new Date().toISOString() };
}
