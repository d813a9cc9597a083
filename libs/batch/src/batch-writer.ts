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
    }
  /**
   * `hold`: the destination is away, not the items' fault, and nothing may be lost. The batch goes
   * back to the front and is written again as the same batch (those items, or fewer once
   * `evictOldest` took some), before anything else, once `retryDelayMs` passed or sooner when an
   * add, `resume()` or `flush()` asks for a write. Its items' promises stay pending meanwhile.
   */
  | { kind: 'hold'; retryDelayMs: number };

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
  /** False while the destination cannot take writes (a connection is down): items wait until `resume()`. */
  canWrite?(): boolean;
  /** Told after each write ended (items settled or held again, its slot free), before the next write starts. */
  onWriteEnd?(): void;
}

export interface BatchWriter<Item, Result> {
  /** Adds an item; settles with its own outcome once the batch holding it has been written. */
  add(item: Item): Promise<Result>;
  /** Adds an item nobody waits for (fire and forget: the caller learns of it through `write`). */
  push(item: Item): void;
  /** Writes what waits at once, without waiting for `maxWaitMs`, until nothing waits or is being written. */
  flush(): void;
  /** Looks again at `canWrite()` (its answer changed) and writes what is due. */
  resume(): void;
  /** Removes up to `count` of the oldest waiting items (not those being written) and returns them; an `add` promise among them rejects. */
  evictOldest(count: number): Item[];
  /** Stops every timer and starts no more writes; returns the waiting items (an `add` promise among them rejects; writes in flight finish). */
  close(): Item[];
  /** Items waiting for a batch, batches being written, and the items in them (for logs and tests). */
  stats(): { waiting: number; writing: number; writingItems: number };
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
  let writingItems = 0;
  /** Set when the oldest waiting item has waited `maxWaitMs`; cleared when nothing waits. */
  let overdue = false;
  /** Set by `flush()`: write at once until nothing waits or is being written. */
  let draining = false;
  let closed = false;
  /** The first `held` waiting items are a batch whose write failed under the `hold` policy. */
  let held = 0;
  let timer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  /** The waiting items may go now: a slot takes them at once, the batch is full, the oldest waited long enough, or a flush asked. */
  const due = (): boolean => maxWaitMs === undefined || overdue || draining || waiting.length >= maxBatchSize;
  const writable = (): boolean => !closed && options.canWrite?.() !== false;

  /** Up to `maxBatchSize` waiting items, oldest first, skipping keys already taken or in flight; a held batch goes alone. */
  const takeBatch = (): Array<Waiting<Item, Result>> => {
    if (held > 0) {
      const batch = waiting.splice(0, held);
      held = 0;
      return batch;
    }
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
    while (writing < maxConcurrentBatches && waiting.length > 0 && due() && writable()) {
      const batch = takeBatch();
      if (batch.length === 0) break;
      writing++;
      writingItems += batch.length;
      for (const w of batch) if (w.key !== undefined) keysInFlight.add(w.key);
      // A throwing hook (`onSplit`, `failsEveryItem`) must not keep the slot forever.
      void writeBatch(batch).catch(() => false).then((heldAgain) => {
        writing--;
        writingItems -= batch.length;
        for (const w of batch) if (w.key !== undefined) keysInFlight.delete(w.key);
        options.onWriteEnd?.();
        // A held batch waits for its retry delay, unless something else asks for a write first.
        if (heldAgain) retryLater();
        else pump();
      });
    }
    if (waiting.length === 0 && writing === 0) draining = false;
    if (maxWaitMs === undefined || closed) return;
    if (waiting.length === 0) {
      overdue = false;
      clearTimeout(timer);
      timer = undefined;
    } else if (!overdue && !draining && timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        overdue = true;
        pump();
      }, maxWaitMs);
      // Nothing waits on the timer alone: the callers of `add` hold the process, and a shutdown must not wait for it.
      timer.unref();
    }
  };

  const retryLater = (): void => {
    if (retryTimer !== undefined || closed || policy.kind !== 'hold') return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      pump();
    }, policy.retryDelayMs);
    retryTimer.unref();
  };

  /** Writes one batch and settles its items; resolves true when the batch was held to be written again. */
  const writeBatch = async (batch: Array<Waiting<Item, Result>>): Promise<boolean> => {
    try {
      const outcomes = await options.write(batch.map((w) => w.item));
      if (outcomes.length !== batch.length) throw new Error(`batch writer returned ${outcomes.length} outcomes for ${batch.length} items`);
      batch.forEach((w, i) => {
        const outcome = outcomes[i] as ItemOutcome<Result>;
        if (outcome.ok) w.resolve(outcome.value);
        else w.reject(outcome.error);
      });
      return false;
    } catch (error) {
      if (policy.kind === 'hold') {
        waiting = batch.concat(waiting);
        held = batch.length;
        return true;
      }
      if (policy.kind === 'fail-batch' || batch.length === 1 || policy.failsEveryItem?.(error) === true) {
        const reason = error instanceof Error ? error : new Error(String(error));
        for (const w of batch) w.reject(reason);
        return false;
      }
      policy.onSplit?.(error, batch.length);
      await Promise.all(batch.map((w) => writeBatch([w])));
      return false;
    }
  };

  const enqueue = (waiter: Waiting<Item, Result>): void => {
    if (closed) throw new Error('batch writer closed');
    waiting.push(waiter);
    pump();
  };

  return {
    add(item) {
      return new Promise<Result>((resolve, reject) => enqueue({ item, key: options.keyOf?.(item), resolve, reject }));
    },
    push(item) {
      enqueue({ item, key: options.keyOf?.(item), resolve: ignore, reject: ignore });
    },
    flush() {
      draining = true;
      clearTimeout(timer);
      timer = undefined;
      pump();
    },
    resume: () => pump(),
    evictOldest(count) {
      const evicted = waiting.splice(0, Math.max(0, count));
      held = Math.max(0, held - evicted.length);
      for (const w of evicted) w.reject(new Error('evicted from the batch writer before it was written'));
      return evicted.map((w) => w.item);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      clearTimeout(retryTimer);
      timer = undefined;
      retryTimer = undefined;
      held = 0;
      const left = waiting.splice(0);
      for (const w of left) w.reject(new Error('batch writer closed before the item was written'));
      return left.map((w) => w.item);
    },
    stats: () => ({ waiting: waiting.length, writing, writingItems }),
  };
}

function ignore(): void {}

/** Adapts a write that returns one value per item (and throws for the batch) to `BatchWriterOptions.write`. */
export function everyItemSucceeds<Item, Result>(write: (items: Item[]) => Promise<Result[]>): (items: Item[]) => Promise<Array<ItemOutcome<Result>>> {
  return async (items) => (await write(items)).map((value) => ({ ok: true, value }));
}
