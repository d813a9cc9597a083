/** How one item of a batch ended: its value, or the error its caller should see. */
export type ItemOutcome<Result> = { ok: true; value: Result } | { ok: false; error: Error };

export interface MicroBatcherOptions<Item, Result> {
  /** A batch is written as soon as this many items wait. */
  maxBatchSize: number;
  /** An item waits at most this long for others before its (smaller) batch is written. */
  maxWaitMs: number;
  /** Batches written at the same time; further items wait for a free slot. */
  maxConcurrentBatches: number;
  /**
   * Writes one batch and says how each item ended, in the same order. A rejection fails every
   * item of the batch with that error.
   */
  writeBatch(items: Item[]): Promise<Array<ItemOutcome<Result>>>;
}

export interface MicroBatcher<Item, Result> {
  /** Adds an item; settles once the batch holding it has been written. */
  add(item: Item): Promise<Result>;
  /** Items waiting for a batch, and batches being written (for logs and tests). */
  stats(): { waiting: number; writing: number };
}

interface Waiting<Item, Result> {
  item: Item;
  resolve(value: Result): void;
  reject(error: Error): void;
}

/**
 * Collects single items (one per queue job) into batches, so one database transaction serves many
 * jobs. A batch is written when it is full or when its oldest item has waited `maxWaitMs`; when
 * every slot is busy, items pile up and the next free slot takes a full batch at once, so batches
 * grow with the load. Each caller's promise settles with its own item's outcome only after the
 * write finished, which is what lets a job complete only once its event is durable.
 */
export function createMicroBatcher<Item, Result>(options: MicroBatcherOptions<Item, Result>): MicroBatcher<Item, Result> {
  const { maxBatchSize, maxWaitMs, maxConcurrentBatches } = options;
  if (maxBatchSize < 1 || maxConcurrentBatches < 1 || maxWaitMs < 0) throw new RangeError('micro-batcher sizes must be positive');
  const waiting: Array<Waiting<Item, Result>> = [];
  let writing = 0;
  /** Set when the oldest waiting item has waited long enough; cleared when nothing waits. */
  let overdue = false;
  let timer: NodeJS.Timeout | undefined;

  const pump = (): void => {
    while (writing < maxConcurrentBatches && waiting.length > 0 && (overdue || waiting.length >= maxBatchSize)) {
      void write(waiting.splice(0, maxBatchSize));
    }
    if (waiting.length === 0) {
      overdue = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    } else if (!overdue && timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        overdue = true;
        pump();
      }, maxWaitMs);
    }
  };

  const write = async (batch: Array<Waiting<Item, Result>>): Promise<void> => {
    writing++;
    try {
      const outcomes = await options.writeBatch(batch.map((w) => w.item));
      if (outcomes.length !== batch.length) throw new Error(`batch writer returned ${outcomes.length} outcomes for ${batch.length} items`);
      batch.forEach((w, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) w.resolve(outcome.value);
        else w.reject(outcome?.error ?? new Error('missing batch outcome'));
      });
    } catch (error) {
      const reason = error instanceof Error ? error : new Error(String(error));
      for (const w of batch) w.reject(reason);
    } finally {
      writing--;
      pump();
    }
  };

  return {
    add(item) {
      return new Promise<Result>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        pump();
      });
    },
    stats: () => ({ waiting: waiting.length, writing }),
  };
}
