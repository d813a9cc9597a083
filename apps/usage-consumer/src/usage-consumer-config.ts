import type { Config } from '@byok/config';
import type { StartUsageConsumerOptions } from './usage-consumer-options.js';

/** The consumer's options as the configuration sets them (every process entry uses this). */
export function usageConsumerOptionsFrom(config: Config): StartUsageConsumerOptions {
  return {
    ...config.usageConsumer,
    lockDurationMs: config.workerLockDurationMs,
    stalledIntervalMs: config.workerStalledIntervalMs,
  };
}
