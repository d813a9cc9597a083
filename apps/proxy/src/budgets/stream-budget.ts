import { ChunkWriter, createdAt, type ProviderId, streamErrorEvent } from '@byok/providers';
import type { Pricer } from '../pricing/pricer.js';
import type { BudgetHold } from './budget-guard.js';

/** Whether a stream's running use (prompt and completion tokens so far) has passed what its budget hold allows. */
export type StreamBudgetCheck = (promptTokens: number, completionTokens: number) => boolean;

/**
 * The check a budgeted stream runs after every chunk it relays, or undefined when no applying
 * budget limits tokens or spend (a requests-only budget never cuts a stream). The allowance is
 * what the request holds (see `BudgetGuard.hold`), so concurrent streams together never pass a
 * limit by more than one chunk each.
 */
export function streamBudgetCheck(hold: BudgetHold, pricer: Pricer, provider: ProviderId, upstreamModel: string): StreamBudgetCheck | undefined {
  const { tokens, spendMicro } = hold.allowance;
  if (tokens === undefined && spendMicro === undefined) return undefined;
  return (promptTokens, completionTokens) =>
    (tokens !== undefined && promptTokens + completionTokens > tokens) || (spendMicro !== undefined && pricer.costMicro(provider, upstreamModel, promptTokens, completionTokens) > spendMicro);
}

/**
 * The documented end of a stream a budget cut: a last chunk with `finish_reason: "length"` (so
 * clients treat the answer as truncated), an OpenAI-style error event with code
 * `budget_exceeded`, then `data: [DONE]`.
 */
export function budgetCutEnding(requestId: string, model: string): string {
  const finish = new ChunkWriter(`chatcmpl-${requestId}`, model, createdAt(undefined)).finish('length');
  return (
    finish +
    streamErrorEvent({ message: 'Budget exhausted: the answer was cut where the budget that applies to this request ran out.', type: 'insufficient_quota', code: 'budget_exceeded' })
  );
}
