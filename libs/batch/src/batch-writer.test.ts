import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BatchWriterOptions, createBatchWriter, everyItemSucceeds, type ItemOutcome } from './batch-writer.js';

interface Item {
  key: string;
  value: number;
}

const item = (value: number, key = `k${value}`): Item => ({ key, value });

/**
 * A batch writer whose writes wait until the test releases them, recording what each batch held.
 * Negative values fail alone; `failWrite` makes a write that holds a matching item reject as a whole.
 */
function harness(options: Partial<BatchWriterOptions<Item, number>> & { failWrite?: (item: Item) => boolean } = {}) {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  const { failWrite, ...rest } = options;
  const writer = createBatchWriter<Item, number>({
    maxBatchSize: 10,
    maxConcurrentBatches: 1,
    async write(items) {
      batches.push(items.map((i) => i.value));
      await new Promise<void>((resolve) => releases.push(resolve));
      const bad = items.find((i) => failWrite?.(i));
      if (bad) throw new Error(`item ${bad.value} refused`);
      return items.map((i): ItemOutcome<number> => (i.value < 0 ? { ok: false, error: new Error(`bad ${i.value}`) } : { ok: true, value: i.value * 10 }));
    },
    ...rest,
  });
  /** Lets every write started so far finish, and waits for the next ones to start. */
  const releaseAll = async (): Promise<void> => {
    for (const release of releases.splice(0)) release();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { writer, batches, releaseAll };
}

const describeOutcomes = (settled: PromiseSettledResult<number>[]) => settled.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message));

describe('batch writer without a wait (a free slot takes items at once)', () => {
  it('writes a lone item at once; items arriving meanwhile go together in the next batch', async () => {
    const h = harness();
    const first = h.writer.add(item(1));
    expect(h.batches).toEqual([[1]]);
    const rest = [2, 3, 4].map((v) => h.writer.add(item(v)));
    expect(h.batches).toEqual([[1]]);
    expect(h.writer.stats()).toEqual({ waiting: 3, writing: 1, writingItems: 1 });
    await h.releaseAll();
    expect(h.batches).toEqual([[1], [2, 3, 4]]);
    await h.releaseAll();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
    expect(h.writer.stats()).toEqual({ waiting: 0, writing: 0, writingItems: 0 });
  });

  it('writes up to maxConcurrentBatches batches at once and at most maxBatchSize items in each', async () => {
    const h = harness({ maxConcurrentBatches: 2, maxBatchSize: 2 });
    const all = [1, 2, 3, 4, 5, 6].map((v) => h.writer.add(item(v)));
    expect(h.batches).toEqual([[1], [2]]);
    await h.releaseAll();
    expect(h.batches).toEqual([[1], [2], [3, 4], [5, 6]]);
    await h.releaseAll();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('never puts two items of one key in a batch, nor writes one while a batch in flight holds its key', async () => {
    const h = harness({ maxConcurrentBatches: 2, keyOf: (i) => i.key });
    const a1 = h.writer.add(item(1, 'a'));
    const a2 = h.writer.add(item(2, 'a'));
    const b = h.writer.add(item(3, 'b'));
    const a3 = h.writer.add(item(4, 'a'));
    // The second slot is free, but `a` is in flight: only `b` may use it.
    expect(h.batches).toEqual([[1], [3]]);
    await h.releaseAll();
    expect(h.batches).toEqual([[1], [3], [2]]);
    await h.releaseAll();
    expect(h.batches).toEqual([[1], [3], [2], [4]]);
    await h.releaseAll();
    expect(await Promise.all([a1, a2, b, a3])).toEqual([10, 20, 30, 40]);
  });
});

/** Fakes only the wait timers: `releaseAll` still needs the real `setImmediate`. */
const useFakeTimeouts = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

describe('batch writer with a wait', () => {
  afterEach(() => vi.useRealTimers());

  it('writes a full batch at once and settles each item with its own outcome', async () => {
    useFakeTimeouts();
    const h = harness({ maxBatchSize: 3, maxWaitMs: 10_000 });
    const settled = Promise.allSettled([h.writer.add(item(1)), h.writer.add(item(-2)), h.writer.add(item(3))]);
    expect(h.batches).toEqual([[1, -2, 3]]);
    await h.releaseAll();
    expect(describeOutcomes(await settled)).toEqual([10, 'bad -2', 30]);
  });

  it('holds a partial batch until its oldest item has waited maxWaitMs, gathering what arrives meanwhile', async () => {
    useFakeTimeouts();
    const h = harness({ maxBatchSize: 100, maxWaitMs: 20 });
    const first = h.writer.add(item(1));
    await vi.advanceTimersByTimeAsync(15);
    const second = h.writer.add(item(2));
    expect(h.batches).toEqual([]);
    // The wait counts from the oldest item, not the newest.
    await vi.advanceTimersByTimeAsync(5);
    expect(h.batches).toEqual([[1, 2]]);
    await h.releaseAll();
    expect(await Promise.all([first, second])).toEqual([10, 20]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with a wait of 0, the items added in one tick share a batch', async () => {
    useFakeTimeouts();
    const h = harness({ maxWaitMs: 0 });
    const all = [1, 2, 3].map((v) => h.writer.add(item(v)));
    expect(h.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.batches).toEqual([[1, 2, 3]]);
    await h.releaseAll();
    expect(await Promise.all(all)).toEqual([10, 20, 30]);
  });

  it('lets items pile up while every slot is busy, then takes full batches', async () => {
    useFakeTimeouts();
    const h = harness({ maxBatchSize: 4, maxWaitMs: 0 });
    const first = h.writer.add(item(0));
    await vi.advanceTimersByTimeAsync(0);
    const rest = [1, 2, 3, 4, 5, 6].map((v) => h.writer.add(item(v)));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.writer.stats()).toEqual({ waiting: 6, writing: 1, writingItems: 1 });
    await h.releaseAll();
    await first;
    expect(h.batches).toEqual([[0], [1, 2, 3, 4]]);
    await h.releaseAll();
    await vi.advanceTimersByTimeAsync(0);
    await h.releaseAll();
    expect(await Promise.all(rest)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(h.batches).toEqual([[0], [1, 2, 3, 4], [5, 6]]);
    expect(h.writer.stats()).toEqual({ waiting: 0, writing: 0, writingItems: 0 });
  });
});

describe('batch writer failure policies', () => {
  it('fail-batch (the default): never settles an item before its write ends, then fails every item with the error', async () => {
    const h = harness({ maxBatchSize: 2, failWrite: () => true });
    let settledEarly = false;
    const first = h.writer.add(item(1));
    const firstFailed = expect(first).rejects.toThrow('item 1 refused');
    const both = Promise.allSettled([h.writer.add(item(2)), h.writer.add(item(3))]).finally(() => (settledEarly = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settledEarly).toBe(false);
    await h.releaseAll();
    await h.releaseAll();
    await firstFailed;
    expect(describeOutcomes(await both)).toEqual(['item 2 refused', 'item 2 refused']);
    expect(h.batches).toEqual([[1], [2, 3]]);
  });

  it('split: a failed batch is written again item by item, each item getting its own outcome', async () => {
    const splits: number[] = [];
    const h = harness({ failWrite: (i) => i.value === 3, onWriteFailure: { kind: 'split', onSplit: (_error, size) => splits.push(size) } });
    const first = h.writer.add(item(1));
    const settled = Promise.allSettled([first, ...[2, 3, 4].map((v) => h.writer.add(item(v)))]);
    for (let i = 0; i < 4; i++) await h.releaseAll();
    expect(h.batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
    expect(splits).toEqual([3]);
    expect(describeOutcomes(await settled)).toEqual([10, 20, 'item 3 refused', 40]);
  });

  it('split: the retries keep the slot and the keys, so nothing of the same key overtakes them', async () => {
    const h = harness({ keyOf: (i) => i.key, maxConcurrentBatches: 2, failWrite: (i) => i.value === 3, onWriteFailure: { kind: 'split' } });
    const first = h.writer.add(item(1));
    const second = h.writer.add(item(2));
    const batch = [h.writer.add(item(3, 'x')), h.writer.add(item(4, 'y'))];
    await h.releaseAll();
    expect(h.batches).toEqual([[1], [2], [3, 4]]);
    const later = h.writer.add(item(5, 'y'));
    const settled = Promise.allSettled([first, second, ...batch, later]);
    await h.releaseAll();
    // The split of [3, 4] holds the second slot and key `y`; 5 waits for it.
    expect(h.batches).toEqual([[1], [2], [3, 4], [3], [4]]);
    await h.releaseAll();
    expect(h.batches).toEqual([[1], [2], [3, 4], [3], [4], [5]]);
    await h.releaseAll();
    expect(describeOutcomes(await settled)).toEqual([10, 20, 'item 3 refused', 40, 50]);
  });

  it('split: an error that concerns no item (the database is away) fails the whole batch at once', async () => {
    const splits: number[] = [];
    const h = harness({
      failWrite: () => true,
      onWriteFailure: { kind: 'split', failsEveryItem: (error) => (error as Error).message.startsWith('item'), onSplit: (_e, size) => splits.push(size) },
    });
    const settled = Promise.allSettled([1, 2, 3].map((v) => h.writer.add(item(v))));
    for (let i = 0; i < 3; i++) await h.releaseAll();
    expect(h.batches).toEqual([[1], [2, 3]]);
    expect(splits).toEqual([]);
    expect((await settled).map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });

  it('treats a write that returns the wrong number of outcomes as a failed write', async () => {
    const writer = createBatchWriter<number, number>({ maxBatchSize: 2, maxConcurrentBatches: 1, write: async () => [] });
    await expect(writer.add(1)).rejects.toThrow(/0 outcomes for 1 items/);
  });

  it('gives a non-Error rejection to the callers as an Error', async () => {
    const writer = createBatchWriter<number, number>({ maxBatchSize: 2, maxConcurrentBatches: 1, write: () => Promise.reject('socket closed') });
    await expect(writer.add(1)).rejects.toThrow('socket closed');
  });
});

describe('batch writer options', () => {
  it('refuses sizes that could never write anything', () => {
    const write = async () => [];
    expect(() => createBatchWriter({ maxBatchSize: 0, maxConcurrentBatches: 1, write })).toThrow(RangeError);
    expect(() => createBatchWriter({ maxBatchSize: 1, maxConcurrentBatches: 0, write })).toThrow(RangeError);
    expect(() => createBatchWriter({ maxBatchSize: 1, maxConcurrentBatches: 1, maxWaitMs: -1, write })).toThrow(RangeError);
    expect(() => createBatchWriter({ maxBatchSize: Number.NaN, maxConcurrentBatches: 1, write })).toThrow(RangeError);
  });

  it('everyItemSucceeds adapts a write that returns one value per item', async () => {
    const writer = createBatchWriter<number, string>({ maxBatchSize: 5, maxConcurrentBatches: 1, write: everyItemSucceeds(async (items) => items.map(String)) });
    expect(await Promise.all([writer.add(1), writer.add(2)])).toEqual(['1', '2']);
  });
});

describe('batch writer for a destination that can be away (hold policy)', () => {
  afterEach(() => vi.useRealTimers());

  /** Writes that fail while `down`, and a gate the test opens and closes. */
  function destination(options: { maxBatchSize?: number; maxWaitMs?: number; retryDelayMs?: number } = {}) {
    const state = { down: false, open: true, ends: 0 };
    const batches: number[][] = [];
    const writer = createBatchWriter<number, number>({
      maxBatchSize: options.maxBatchSize ?? 10,
      maxConcurrentBatches: 1,
      maxWaitMs: options.maxWaitMs ?? 50,
      onWriteFailure: { kind: 'hold', retryDelayMs: options.retryDelayMs ?? 1000 },
      canWrite: () => state.open,
      onWriteEnd: () => void state.ends++,
      write: async (items) => {
        batches.push([...items]);
        if (state.down) throw new Error('Connection is closed.');
        return items.map((value) => ({ ok: true, value }));
      },
    });
    return { state, batches, writer };
  }

  it('holds a failed batch at the front and writes it again alone, after the retry delay', async () => {
    useFakeTimeouts();
    const d = destination({ maxWaitMs: 50, retryDelayMs: 1000 });
    d.state.down = true;
    const first = [1, 2].map((v) => d.writer.add(v));
    await vi.advanceTimersByTimeAsync(50);
    expect(d.batches).toEqual([[1, 2]]);
    d.state.down = false;
    d.writer.push(3);
    expect(d.writer.stats()).toMatchObject({ waiting: 3, writing: 0 });
    // The add of 3 asked for a write: the held batch goes after the wait, alone, then 3 (which has waited as long).
    await vi.advanceTimersByTimeAsync(49);
    expect(d.batches).toEqual([[1, 2]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(d.batches).toEqual([[1, 2], [1, 2], [3]]);
    expect(await Promise.all(first)).toEqual([1, 2]);
    expect(d.state.ends).toBe(3);
  });

  it('retries a held batch by itself once the retry delay passed, when nothing else asks', async () => {
    useFakeTimeouts();
    const d = destination({ maxWaitMs: 10, retryDelayMs: 500 });
    d.state.down = true;
    d.writer.push(1);
    await vi.advanceTimersByTimeAsync(10);
    d.state.down = false;
    await vi.advanceTimersByTimeAsync(499);
    expect(d.batches).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(1 + 10);
    expect(d.batches).toEqual([[1], [1]]);
    expect(d.writer.stats()).toEqual({ waiting: 0, writing: 0, writingItems: 0 });
  });

  it('writes nothing while canWrite() says no, and what is due once resumed', async () => {
    useFakeTimeouts();
    const d = destination({ maxWaitMs: 10 });
    d.state.open = false;
    for (const v of [1, 2, 3]) d.writer.push(v);
    await vi.advanceTimersByTimeAsync(100);
    expect(d.batches).toEqual([]);
    d.state.open = true;
    d.writer.resume();
    await vi.advanceTimersByTimeAsync(0);
    expect(d.batches).toEqual([[1, 2, 3]]);
  });

  it('evictOldest takes waiting items from the front, shrinking a held batch, and rejects their add promises', async () => {
    useFakeTimeouts();
    const d = destination({ maxWaitMs: 10 });
    d.state.down = true;
    const first = d.writer.add(1);
    const firstEvicted = expect(first).rejects.toThrow('evicted');
    for (const v of [2, 3]) d.writer.push(v);
    await vi.advanceTimersByTimeAsync(10);
    expect(d.batches).toEqual([[1, 2, 3]]);
    d.writer.push(4);
    expect(d.writer.evictOldest(1)).toEqual([1]);
    await firstEvicted;
    d.state.down = false;
    d.writer.flush();
    await vi.advanceTimersByTimeAsync(0);
    // The held batch goes again with fewer items, then the rest.
    expect(d.batches).toEqual([[1, 2, 3], [2, 3], [4]]);
  });

  it('flush writes at once until nothing waits, then batches wait again', async () => {
    useFakeTimeouts();
    const d = destination({ maxBatchSize: 2, maxWaitMs: 1000 });
    for (const v of [1, 2, 3]) d.writer.push(v);
    expect(d.batches).toEqual([[1, 2]]);
    d.writer.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(d.batches).toEqual([[1, 2], [3]]);
    d.writer.push(4);
    await vi.advanceTimersByTimeAsync(999);
    expect(d.batches).toEqual([[1, 2], [3]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(d.batches).toEqual([[1, 2], [3], [4]]);
  });

  it('close stops the timers, returns what waits, rejects its add promises and refuses new items', async () => {
    useFakeTimeouts();
    const d = destination({ maxWaitMs: 10 });
    d.state.open = false;
    const waiting = d.writer.add(1);
    const rejected = expect(waiting).rejects.toThrow('closed');
    d.writer.push(2);
    expect(d.writer.close()).toEqual([1, 2]);
    await rejected;
    expect(vi.getTimerCount()).toBe(0);
    expect(() => d.writer.push(3)).toThrow('batch writer closed');
    await expect(d.writer.add(4)).rejects.toThrow('batch writer closed');
  });
});
