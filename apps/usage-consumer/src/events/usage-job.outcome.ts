import { UnrecoverableError } from 'bullmq';
import type { UsageEventStored } from './usage-batch.writer.js';

/** What a completed usage job returns: how many of its events were new, and how many already stored. */
export interface UsageJobResult {
  stored: number;
  duplicates: number;
}

/**
 * Ends a usage job from the outcomes of its events. A retryable failure of any event retries the
 * whole job (its stored events come back as duplicates and change nothing). Otherwise, when some
 * events were refused for good, the job fails without retry after the rest were stored, so the
 * refused ones stay visible among the failed jobs. Else it completes with its counts.
 */
export function settleUsageJob(outcomes: ReadonlyArray<PromiseSettledResult<UsageEventStored>>, refusedAtParse: readonly string[]): UsageJobResult {
  const refused = [...refusedAtParse];
  const result: UsageJobResult = { stored: 0, duplicates: 0 };
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') {
      if (outcome.value.duplicate) result.duplicates++;
      else result.stored++;
      continue;
    }
    const error = outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
    if (!isUnrecoverable(error)) throw error;
    refused.push(error.message);
  }
  if (refused.length > 0) {
    const total = outcomes.length + refusedAtParse.length;
    throw new UnrecoverableError(`${refused.length} of ${total} usage events refused (${result.stored} stored, ${result.duplicates} already stored); first: ${refused[0]}`);
  }
  return result;
}

function isUnrecoverable(error: Error): boolean {
  return error instanceof UnrecoverableError || error.name === 'UnrecoverableError';
}
