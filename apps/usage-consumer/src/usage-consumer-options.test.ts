import type { UsageConsumerConfig } from '@byok/config';
import { describe, expect, it } from 'vitest';
import { resolveUsageConsumerSettings } from './usage-consumer-options.js';

const config: UsageConsumerConfig = { retentionDays: 90, batchSize: 200, batchWaitMs: 20, concurrentBatches: 2, budgetReconcileIntervalMs: 60_000, lockDurationMs: 30_000, stalledIntervalMs: 30_000 };

describe('resolveUsageConsumerSettings', () => {
  it('runs with the configuration when nothing is overridden', () => {
    expect(resolveUsageConsumerSettings(config)).toEqual({ ...config, concurrency: 12, pruneBatchSize: 5000, pruneEveryMs: 86_400_000 });
  });

  it("lets the caller's options win, and derives the job concurrency from the batches", () => {
    const settings = resolveUsageConsumerSettings(config, { lockDurationMs: 2_000, concurrentBatches: 1, pruneEveryMs: 0 });
    expect(settings).toMatchObject({ lockDurationMs: 2_000, stalledIntervalMs: 30_000, concurrentBatches: 1, concurrency: 8, pruneEveryMs: 0 });
  });

  it('holds enough jobs to fill batches larger than four jobs, and every writing one plus one filling', () => {
    expect(resolveUsageConsumerSettings({ ...config, batchSize: 1000 }).concurrency).toBe(30);
    expect(resolveUsageConsumerSettings({ ...config, batchSize: 1001, concurrentBatches: 1 }).concurrency).toBe(22);
    expect(resolveUsageConsumerSettings({ ...config, batchSize: 1000 }, { concurrency: 3 }).concurrency).toBe(3);
  });

  it('refuses an option that is not a whole number in range, naming it', () => {
    expect(() => resolveUsageConsumerSettings(config, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => resolveUsageConsumerSettings(config, { batchWaitMs: 1.5 })).toThrow(/batchWaitMs/);
  });
});
