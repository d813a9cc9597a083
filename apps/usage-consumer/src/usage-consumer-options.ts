import type { GatewayMetrics } from '@byok/telemetry';

/**
 * Knobs of the usage consumer that libs/config does not carry (yet). Production keeps the
 * defaults; tests shorten the lock so a killed consumer's jobs are taken over quickly.
 */
export interface StartUsageConsumerOptions {
  /** Where usage, queue-wait and failure metrics go. Default: the global meter's instruments (no-op without an SDK). */
  metrics?: GatewayMetrics;
  /** Events written per transaction at most. Default 200. */
  batchSize?: number;
  /** How long the first event of a batch waits for more before the batch is written. Default 20 ms. */
  batchWaitMs?: number;
  /** Batches written at once (each holds one pooled connection). Default 2. */
  concurrentBatches?: number;
  /**
   * Jobs held at once by this process. Default `4 * (concurrentBatches + 1)`: a proxy's job
   * carries tens to hundreds of events, so a few jobs fill every writing batch plus one filling up
   * meanwhile.
   */
  concurrency?: number;
  /** How long a job's lock lives without renewal; a dead consumer's jobs wait this long. Default 30 000 ms. */
  lockDurationMs?: number;
  /** How often this consumer looks for jobs whose lock expired. Default 30 000 ms. */
  stalledIntervalMs?: number;
  /** Raw events older than this many days are pruned daily (aggregates stay). Default 90. */
  retentionDays?: number;
  /** Rows deleted per statement by the prune task. Default 5000. */
  pruneBatchSize?: number;
  /** Interval of the prune schedule; 0 removes the schedule. Default one day. */
  pruneEveryMs?: number;
}

/** The numeric options with defaults applied. */
export type UsageConsumerSettings = Required<Omit<StartUsageConsumerOptions, 'metrics'>>;

export const USAGE_CONSUMER_DEFAULTS = {
  batchSize: 200,
  batchWaitMs: 20,
  concurrentBatches: 2,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  retentionDays: 90,
  pruneBatchSize: 5000,
  pruneEveryMs: 24 * 3600 * 1000,
} as const;

export function resolveUsageConsumerSettings(options: StartUsageConsumerOptions = {}): UsageConsumerSettings {
  const batchSize = options.batchSize ?? USAGE_CONSUMER_DEFAULTS.batchSize;
  const concurrentBatches = options.concurrentBatches ?? USAGE_CONSUMER_DEFAULTS.concurrentBatches;
  const settings: UsageConsumerSettings = {
    batchSize,
    batchWaitMs: options.batchWaitMs ?? USAGE_CONSUMER_DEFAULTS.batchWaitMs,
    concurrentBatches,
    concurrency: options.concurrency ?? 4 * (concurrentBatches + 1),
    lockDurationMs: options.lockDurationMs ?? USAGE_CONSUMER_DEFAULTS.lockDurationMs,
    stalledIntervalMs: options.stalledIntervalMs ?? USAGE_CONSUMER_DEFAULTS.stalledIntervalMs,
    retentionDays: options.retentionDays ?? USAGE_CONSUMER_DEFAULTS.retentionDays,
    pruneBatchSize: options.pruneBatchSize ?? USAGE_CONSUMER_DEFAULTS.pruneBatchSize,
    pruneEveryMs: options.pruneEveryMs ?? USAGE_CONSUMER_DEFAULTS.pruneEveryMs,
  };
  for (const [name, value] of Object.entries(settings)) {
    const minimum = name === 'batchWaitMs' || name === 'pruneEveryMs' ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < minimum) throw new RangeError(`usage consumer option ${name} must be a whole number >= ${minimum}`);
  }
  return settings;
}
