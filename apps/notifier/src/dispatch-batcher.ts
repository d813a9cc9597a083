import type { NotificationDispatcher } from '@byok/notifications';

export interface DispatchBatcher {
  /** Dispatches one event together with the others that arrive within `maxWaitMs`; settles with its batch. */
  dispatch(eventId: string): Promise<void>;
}

/**
 * Groups the events of the jobs in flight, so one read of the outbox and one insert per channel
 * serve many jobs: per-job statements would make Postgres round trips, not the work, set the
 * notifier's throughput. A batch goes when it is full or its oldest event has waited `maxWaitMs`;
 * at most `maxConcurrentBatches` are dispatched at once, and the rest wait and grow.
 */
export function createDispatchBatcher(dispatcher: NotificationDispatcher, options: { maxBatchSize: number; maxWaitMs: number; maxConcurrentBatches: number }): DispatchBatcher {
  let waiting: Array<{ id: string; resolve(): void; reject(error: unknown): void }> = [];
  let running = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    while (waiting.length > 0 && running < options.maxConcurrentBatches) {
      const batch = waiting.slice(0, options.maxBatchSize);
      waiting = waiting.slice(options.maxBatchSize);
      running++;
      dispatcher
        .dispatch(batch.map((w) => w.id))
        .then(
          () => {
            for (const w of batch) w.resolve();
          },
          (error: unknown) => {
            for (const w of batch) w.reject(error);
          },
        )
        .finally(() => {
          running--;
          if (waiting.length >= options.maxBatchSize) flush();
          else if (waiting.length > 0 && timer === undefined) timer = setTimeout(flush, options.maxWaitMs);
        });
    }
  };
  return {
    dispatch(eventId) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ id: eventId, resolve, reject });
        if (waiting.length >= options.maxBatchSize) flush();
        else if (timer === undefined) timer = setTimeout(flush, options.maxWaitMs);
      });
    },
  };
}
