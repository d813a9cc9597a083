import { describe, expect, it } from 'vitest';
import { createMicroBatcher, type ItemOutcome } from './micro-batcher.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A batch writer that records each batch and can be held open until released. */
function recordingWriter(options: { hold?: boolean } = {}) {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  return {
    batches,
    release: () => {
      for (const r of releases.splice(0)) r();
    },
    async writeBatch(items: number[]): Promise<Array<ItemOutcome<number>>> {
      batches.push(items);
      if (options.hold) await new Promise<void>((resolve) => releases.push(resolve));
      return items.map((n) => (n < 0 ? { ok: false, error: new Error(`bad ${n}`) } : { ok: true, value: n * 2 }));
    },
  };
}

describe('micro-batcher', () => {
  it('writes a full batch at once and settles each item with its own outcome', async () => {
    const w = recordingWriter();
    const b = createMicroBatcher({ maxBatchSize: 3, maxWaitMs: 10_000, maxConcurrentBatches: 1, writeBatch: w.writeBatch });
    const results = await Promise.allSettled([b.add(1), b.add(-2), b.add(3)]);
    expect(w.batches).toEqual([[1, -2, 3]]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([2, 'bad -2', 6]);
  });

  it('writes a partial batch once its oldest item has waited maxWaitMs', async () => {
    const w = recordingWriter();
    const b = createMicroBatcher({ maxBatchSize: 100, maxWaitMs: 20, maxConcurrentBatches: 1, writeBatch: w.writeBatch });
    const started = Date.now();
    const first = b.add(1);
    await sleep(5);
    await Promise.all([first, b.add(2)]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(18);
    expect(w.batches).toEqual([[1, 2]]);
  });

  it('never settles an item before its batch is written, and fails the whole batch when the write rejects', async () => {
    let release: () => void = () => undefined;
    const b = createMicroBatcher<number, number>({
      maxBatchSize: 2,
      maxWaitMs: 0,
      maxConcurrentBatches: 1,
      writeBatch: () => new Promise((_, reject) => (release = () => reject(new Error('postgres away')))),
    });
    let settled = false;
    const both = Promise.allSettled([b.add(1), b.add(2)]).finally(() => (settled = true));
    await sleep(20);
    expect(settled).toBe(false);
    release();
    expect((await both).map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['postgres away', 'postgres away']);
  });

  it('lets items pile up while every slot is busy, then takes a full batch', async () => {
    const w = recordingWriter({ hold: true });
    const b = createMicroBatcher({ maxBatchSize: 4, maxWaitMs: 0, maxConcurrentBatches: 1, writeBatch: w.writeBatch });
    const first = b.add(0);
    await sleep(5);
    const rest = [1, 2, 3, 4, 5, 6].map((n) => b.add(n));
    await sleep(5);
    expect(b.stats()).toEqual({ waiting: 6, writing: 1 });
    w.release();
    await first;
    await sleep(5);
    w.release();
    await sleep(5);
    w.release();
    await Promise.all(rest);
    expect(w.batches).toEqual([[0], [1, 2, 3, 4], [5, 6]]);
    expect(b.stats()).toEqual({ waiting: 0, writing: 0 });
  });

  it('rejects a writer that returns the wrong number of outcomes', async () => {
    const b = createMicroBatcher<number, number>({ maxBatchSize: 2, maxWaitMs: 0, maxConcurrentBatches: 1, writeBatch: async () => [] });
    await expect(b.add(1)).rejects.toThrow(/0 outcomes for 1 items/);
  });
});
