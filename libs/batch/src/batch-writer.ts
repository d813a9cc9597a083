/** How one item of a batch ended: its value, or the error its caller should see. */
export type ItemOutcome<Result> = { ok: true; value: Result } | { ok: false; error: Error };

/**
 * What a rejected write (or one that returned the wrong number of outcomes) means for its items.
 * - `fail-batch`: every item of the batch fails with that error (a transaction that wrote nothing).
 * - `split`: the write says nothing about any one item (one bad item would fail the others with it),
 *   so each item is written again alone, in the same slot, and gets its own outcome. A batch of one
 *   fails at once, and so does a batch whose error `failsEveryItem` recognises (the database is
 *   away: every item would fail alone too).
 */
export type WriteFailurePolicy =
  | { kind: 'fail-batch' }
  | {
      kind: 'split';
      failsEveryItem?(error: unknown): boolean;
      /** Told before a failed batch is split, with the batch's size. */
      onSplit?(error: unknown, size: number): void;
    };

export interface BatchWriterOptions<Item, Result> {
  /** A batch holds at most this many items; a full batch is written as soon as a slot is free. */
  maxBatchSize: number;
  /** Batches written at the same time; further items wait and go together in the next free slot. */
  maxConcurrentBatches: number;
  /**
   * Omitted: a free slot takes whatever waits at once (a lone item waits for nothing, and items
   * arriving while every slot is busy go together). Set: a partial batch is written once its
   * oldest item has waited this long (0 = on the next turn of the event loop, so the items added
   * in one tick share a batch).
   */
  maxWaitMs?: number;
  /** Items with the same key never share a batch, nor are written while a batch in flight holds their key. */
  keyOf?(item: Item): string;
  /** Writes one batch and says how each item ended, in the items' order. */
  write(items: Item[]): Promise<Array<ItemOutcome<Result>>>;
  /** Default `fail-batch`. */
  onWriteFailure?: WriteFailurePolicy;
}

export interface BatchWriter<Item, Result> {
  /** Adds an item; settles with its own outcome once the batch holding it has been written. */
  add(item: Item): Promise<Result>;
  /** Items waiting for a batch, and batches being written (for logs and tests). */
  stats(): { waiting: number; writing: number };
}

interface Waiting<Item, Result> {
  item: Item;
  /** `keyOf(item)`, or undefined when items have no keys. */
  key: string | undefined;
  resolve(value: Result): void;
  reject(error: Error): void;
}

/**
 * Collects single items (one per job, one per request) into batches, so one statement or one
 * round trip serves many callers, with at most `maxConcurrentBatches` writes at once. Each caller's
 * promise settles with its own item's outcome only after the write finished, which is what lets a
 * job complete only once its write is durable. When every slot is busy items pile up and the next
 * free slot takes a full batch at once, so batches grow with the load.
 */
export function createBatchWriter<Item, Result>(options: BatchWriterOptions<Item, Result>): BatchWriter<Item, Result> {
  const { maxBatchSize, maxConcurrentBatches, maxWaitMs } = options;
  if (!(maxBatchSize >= 1) || !(maxConcurrentBatches >= 1) || (maxWaitMs !== undefined && !(maxWaitMs >= 0))) {
    throw new RangeError('batch writer sizes must be positive');
  }
  const policy = options.onWriteFailure ?? { kind: 'fail-batch' };
  let waiting: Array<Waiting<Item, Result>> = [];
  const keysInFlight = new Set<string>();
  let writing = 0;
  /** Set when the oldest waiting item has waited `maxWaitMs`; cleared when nothing waits. */
  let overdue = false;
  let timer: NodeJS.Timeout | undefined;

  /** The waiting items may go now: a slot takes them at once, the batch is full, or the oldest waited long enough. */
  const ready = (): boolean => maxWaitMs === undefined || overdue || waiting.length >= maxBatchSize;

  /** Up to `maxBatchSize` waiting items, oldest first, skipping keys already taken or in flight. */
  const takeBatch = (): Array<Waiting<Item, Result>> => {
    if (options.keyOf === undefined) return waiting.splice(0, maxBatchSize);
    const batch: Array<Waiting<Item, Result>> = [];
    const keys = new Set<string>();
    const left: Array<Waiting<Item, Result>> = [];
    for (const w of waiting) {
      const key = w.key as string;
      if (batch.length < maxBatchSize && !keys.has(key) && !keysInFlight.has(key)) {
        keys.add(key);
        batch.push(w);
      } else {
        left.push(w);
      }
    }
    waiting = left;
    return batch;
  };

  const pump = (): void => {
    while (writing < maxConcurrentBatches && waiting.length > 0 && ready()) {
      const batch = takeBatch();
      if (batch.length === 0) break;
      writing++;
      for (const w of batch) if (w.key !== undefined) keysInFlight.add(w.key);
      void writeBatch(batch).finally(() => {
        writing--;
        for (const w of batch) if (w.key !== undefined) keysInFlight.delete(w.key);
        pump();
      });
    }
    if (maxWaitMs === undefined) return;
    if (waiting.length === 0) {
      overdue = false;
      clearTimeout(timer);
      timer = undefined;
    } else if (!overdue && timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        overdue = true;
        pump();
      }, maxWaitMs);
    }
  };

  const writeBatch = async (batch: Array<Waiting<Item, Result>>): Promise<void> => {
    try {
      const outcomes = await options.write(batch.map((w) => w.item));
      if (outcomes.length !== batch.length) throw new Error(`batch writer returned ${outcomes.length} outcomes for ${batch.length} items`);
      batch.forEach((w, i) => {
        const outcome = outcomes[i] as ItemOutcome<Result>;
        if (outcome.ok) w.resolve(outcome.value);
        else w.reject(outcome.error);
      });
    } catch (error) {
      if (policy.kind === 'fail-batch' || batch.length === 1 || policy.failsEveryItem?.(error) === true) {
        const reason = error instanceof Error ? error : new Error(String(error));
        for (const w of batch) w.reject(reason);
        return;
      }
      policy.onSplit?.(error, batch.length);
      await Promise.all(batch.map((w) => writeBatch([w])));
    }
  };

  return {
    add(item) {
      return new Promise<Result>((resolve, reject) => {
        waiting.push({ item, key: options.keyOf?.(item), resolve, reject });
        pump();
      });
    },
    stats: () => ({ waiting: waiting.length, writing }),
  };
}

/** Adapts a write that returns one value per item (and throws for the batch) to `BatchWriterOptions.write`. */
export function everyItemSucceeds<Item, Result>(write: (items: Item[]) => Promise<Result[]>): (items: Item[]) => Promise<Array<ItemOutcome<Result>>> {
  return async (items) => (await write(items)).map((value) => ({ ok: true, value }));
}
