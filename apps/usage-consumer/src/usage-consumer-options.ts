import type { UsageConsumerConfig } from '@byok/config';
import type { GatewayMetrics } from '@byok/telemetry';

/**
 * What a caller of `startUsageConsumer` may set over the configuration (`config.usageConsumer`,
 * the one home of the settings and their defaults). Production sets nothing here; tests shorten
 * the lock so a killed consumer's jobs are taken over quickly, and the prune knobs, which no
 * variable sets.
 */
export interface StartUsageConsumerOptions extends Partial<UsageConsumerConfig> {
  /** Where usage, queue-wait and failure metrics go. Default: the global meter's instruments (no-op without an SDK). */
  metrics?: GatewayMetrics;
  /**
   * Jobs held at once by this process. Default `(concurrentBatches + 1) * max(4, batchSize / 100)`:
   * a job settles only once its events are written, so the jobs held must fill every writing
   * batch and one filling up meanwhile; a proxy's job carries up to 200 events (100 is a busy
   * proxy's middle), so a batch of 1000 needs about ten.
   */
  concurrency?: number;
  /** Rows deleted per statement by the prune task. Default 5000. */
  pruneBatchSize?: number;
  /** Interval of the prune schedule; 0 removes the schedule. Default one day. */
  pruneEveryMs?: number;
}

/** The settings the consumer runs with: the configuration, with the caller's overrides. */
export type UsageConsumerSettings = Required<Omit<StartUsageConsumerOptions, 'metrics'>>;

/** A busy proxy's usage job, in events (it sends at most 200 per job): what the default concurrency sizes for. */
const EVENTS_PER_JOB = 100;

/** The prune task's own knobs: no variable sets them (tests shorten them). */
const PRUNE_BATCH_SIZE = 5000;
const PRUNE_EVERY_MS = 24 * 3600 * 1000;

export function resolveUsageConsumerSettings(config: UsageConsumerConfig, options: StartUsageConsumerOptions = {}): UsageConsumerSettings {
  const concurrentBatches = options.concurrentBatches ?? config.concurrentBatches;
  const batchSize = options.batchSize ?? config.batchSize;
  const settings: UsageConsumerSettings = {
    batchSize,
    batchWaitMs: options.batchWaitMs ?? config.batchWaitMs,
    concurrentBatches,
    concurrency: options.concurrency ?? (concurrentBatches + 1) * Math.max(4, Math.ceil(batchSize / EVENTS_PER_JOB)),
    lockDurationMs: options.lockDurationMs ?? config.lockDurationMs,
    stalledIntervalMs: options.stalledIntervalMs ?? config.stalledIntervalMs,
    retentionDays: options.retentionDays ?? config.retentionDays,
    pruneBatchSize: options.pruneBatchSize ?? PRUNE_BATCH_SIZE,
    pruneEveryMs: options.pruneEveryMs ?? PRUNE_EVERY_MS,
    budgetReconcileIntervalMs: options.budgetReconcileIntervalMs ?? config.budgetReconcileIntervalMs,
  };
  for (const [name, value] of Object.entries(settings)) {
    const minimum = name === 'batchWaitMs' || name === 'pruneEveryMs' || name === 'budgetReconcileIntervalMs' ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < minimum) throw new RangeError(`usage consumer option ${name} must be a whole number >= ${minimum}`);
  }
  return settings;
}
