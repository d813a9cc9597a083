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
   * Jobs held at once by this process. Default `4 * (concurrentBatches + 1)`: a proxy's job
   * carries tens to hundreds of events, so a few jobs fill every writing batch plus one filling up
   * meanwhile.
   */
  concurrency?: number;
  /** Rows deleted per statement by the prune task. Default 5000. */
  pruneBatchSize?: number;
  /** Interval of the prune schedule; 0 removes the schedule. Default one day. */
  pruneEveryMs?: number;
}

/** The settings the consumer runs with: the configuration, with the caller's overrides. */
export type UsageConsumerSettings = Required<Omit<StartUsageConsumerOptions, 'metrics'>>;

/** The prune task's own knobs: no variable sets them (tests shorten them). */
const PRUNE_BATCH_SIZE = 5000;
const PRUNE_EVERY_MS = 24 * 3600 * 1000;

export function resolveUsageConsumerSettings(config: UsageConsumerConfig, options: StartUsageConsumerOptions = {}): UsageConsumerSettings {
  const concurrentBatches = options.concurrentBatches ?? config.concurrentBatches;
  const settings: UsageConsumerSettings = {
    batchSize: options.batchSize ?? config.batchSize,
    batchWaitMs: options.batchWaitMs ?? config.batchWaitMs,
    concurrentBatches,
    concurrency: options.concurrency ?? 4 * (concurrentBatches + 1),
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
