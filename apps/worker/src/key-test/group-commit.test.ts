import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.js';

interface Item {
  key: string;
  value: number;
}

/** A group commit whose batches wait until the test releases them, recording what each held. */
function harness(options: { maxInFlight?: number; maxBatch?: number; fails?: (item: Item) => boolean; failsEveryItem?: (error: unknown) => boolean } = {}) {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  const failures: number[] = [];
  const submit = createGroupCommit<Item, number>({
    name: 'test statement',
    keyOf: (item) => item.key,
    maxBatch: options.maxBatch ?? 10,
    maxInFlight: options.maxInFlight ?? 1,
    onBatchFailure: (_error, size) => failures.push(size),
    ...(options.failsEveryItem ? { failsEveryItem: options.failsEveryItem } : {}),
    async run(items) {
      batches.push(items.map((i) => i.value));
      await new Promise<void>((resolve) => releases.push(resolve));
      const bad = items.find((i) => options.fails?.(i));
      if (bad) throw new Error(`item ${bad.value} refused`);
      return items.map((i) => i.value * 10);
    },
  });
  /** Lets every batch started so far finish, and waits for the next ones to start. */
  const releaseAll = async (): Promise<void> => {
    for (const release of releases.splice(0)) release();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { submit, batches, releaseAll, failures };
}

describe('group commit', () => {
  it('a lone item starts a batch at once; items arriving meanwhile go together in the next', async () => {
    const g = harness();
    const first = g.submit({ key: 'a', value: 1 });
    expect(g.batches).toEqual([[1]]);
    const rest = [2, 3, 4].map((value) => g.submit({ key: `k${value}`, value }));
    expect(g.batches).toEqual([[1]]);
    await g.releaseAll();
    expect(g.batches).toEqual([[1], [2, 3, 4]]);
    await g.releaseAll();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
  });

  it('runs up to maxInFlight batches at once and at most maxBatch items in each', async () => {
    const g = harness({ maxInFlight: 2, maxBatch: 2 });
    const all = [1, 2, 3, 4, 5, 6].map((value) => g.submit({ key: `k${value}`, value }));
    expect(g.batches).toEqual([[1], [2]]);
    await g.releaseAll();
    expect(g.batches).toEqual([[1], [2], [3, 4], [5, 6]]);
    await g.releaseAll();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('two items for one key never share a batch, nor run while a batch in flight holds the key', async () => {
    const g = harness({ maxInFlight: 2 });
    const a1 = g.submit({ key: 'a', value: 1 });
    const a2 = g.submit({ key: 'a', value: 2 });
    const b = g.submit({ key: 'b', value: 3 });
    const a3 = g.submit({ key: 'a', value: 4 });
    // The second slot is free, but the key is in flight: only `b` may use it.
    expect(g.batches).toEqual([[1], [3]]);
    await g.releaseAll();
    expect(g.batches).toEqual([[1], [3], [2]]);
    await g.releaseAll();
    expect(g.batches).toEqual([[1], [3], [2], [4]]);
    await g.releaseAll();
    expect(await Promise.all([a1, a2, b, a3])).toEqual([10, 20, 30, 40]);
  });

  it('a failed batch is retried item by item: the bad item gets its error, the others their results', async () => {
    const g = harness({ fails: (item) => item.value === 3 });
    const first = g.submit({ key: 'a', value: 1 });
    const batch = [2, 3, 4].map((value) => g.submit({ key: `k${value}`, value }));
    const settled = Promise.allSettled([first, ...batch]);
    for (let i = 0; i < 4; i++) await g.releaseAll();
    expect(g.batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
    expect(g.failures).toEqual([3]);
    const outcomes = await settled;
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([10, 20, 'item 3 refused', 40]);
  });

  it('an error that concerns no item (the database is away) fails the whole batch at once, without retrying each item', async () => {
    const g = harness({ fails: () => true, failsEveryItem: (error) => (error as Error).message.startsWith('item') });
    const first = g.submit({ key: 'a', value: 1 });
    const batch = [2, 3].map((value) => g.submit({ key: `k${value}`, value }));
    const settled = Promise.allSettled([first, ...batch]);
    for (let i = 0; i < 3; i++) await g.releaseAll();
    expect(g.batches).toEqual([[1], [2, 3]]);
    expect(g.failures).toEqual([]);
    expect((await settled).map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });
});
