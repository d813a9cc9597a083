import { captureTraceContext, runSharedStatement, type TraceContext } from '@byok/telemetry';

/** How a group commit serves its callers. */
export interface GroupCommitOptions<I, O> {
  /** Name of the span each caller's trace shows for the statement that served it. */
  name: string;
  /** Serves a batch with one statement; one result per item, in the items' order. */
  run(items: readonly I[]): Promise<O[]>;
  /** Items with the same key never share a batch, nor run while a batch in flight holds their key. */
  keyOf(item: I): string;
  maxBatch: number;
  /** Batches running at once; the items that arrive meanwhile wait and go together in the next. */
  maxInFlight: number;
  /** Told when a batch failed, before its items are retried one by one. */
  onBatchFailure?(error: unknown, size: number): void;
  /**
   * True for an error that says nothing about the items (the database is unreachable): every item
   * of the batch gets it at once, instead of each retrying alone into the same failure.
   */
  failsEveryItem?(error: unknown): boolean;
}

/** Submits one item; resolves with its own result, or rejects with its own error. */
export type GroupCommit<I, O> = (item: I) => Promise<O>;

interface Waiter<I, O> {
  item: I;
  key: string;
  trace: TraceContext;
  resolve(result: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit across the jobs in flight: an item arriving while fewer than `maxInFlight` batches
 * run starts a batch at once (so a lone job waits for nothing), and items arriving while they run
 * are sent together when one finishes. At fifty jobs in flight the database then sees a handful of
 * statements where it saw one per job, and each round trip is what a job waits for.
 *
 * A batch's failure is not its items' verdict: one bad item (text Postgres refuses, say) would
 * fail the others with it, so a failed batch is retried item by item and each item gets its own
 * result or error. A lone item's error is its own, and so is an error that concerns no item
 * (`failsEveryItem`).
 */
export function createGroupCommit<I, O>(options: GroupCommitOptions<I, O>): GroupCommit<I, O> {
  let pending: Waiter<I, O>[] = [];
  const keysInFlight = new Set<string>();
  let inFlight = 0;

  function takeBatch(): Waiter<I, O>[] {
    const batch: Waiter<I, O>[] = [];
    const keys = new Set<string>();
    const left: Waiter<I, O>[] = [];
    for (const waiter of pending) {
      if (batch.length < options.maxBatch && !keys.has(waiter.key) && !keysInFlight.has(waiter.key)) {
        keys.add(waiter.key);
        batch.push(waiter);
      } else {
        left.push(waiter);
      }
    }
    pending = left;
    return batch;
  }

  function pump(): void {
    while (inFlight < options.maxInFlight) {
      const batch = takeBatch();
      if (batch.length === 0) return;
      inFlight++;
      for (const waiter of batch) keysInFlight.add(waiter.key);
      void serve(batch).finally(() => {
        inFlight--;
        for (const waiter of batch) keysInFlight.delete(waiter.key);
        pump();
      });
    }
  }

  async function serve(batch: Waiter<I, O>[]): Promise<void> {
    try {
      const items = batch.map((w) => w.item);
      settle(batch, await runSharedStatement(options.name, batch.map((w) => w.trace), () => options.run(items)));
    } catch (error) {
      if (batch.length === 1 || options.failsEveryItem?.(error) === true) {
        for (const waiter of batch) waiter.reject(error);
        return;
      }
      options.onBatchFailure?.(error, batch.length);
      await Promise.all(batch.map((waiter) => serve([waiter])));
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      pending.push({ item, key: options.keyOf(item), trace: captureTraceContext(), resolve, reject });
      pump();
    });
}

function settle<I, O>(batch: Waiter<I, O>[], results: O[]): void {
  if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} came back with ${results.length} results`);
  for (const [i, waiter] of batch.entries()) waiter.resolve(results[i] as O);
}
