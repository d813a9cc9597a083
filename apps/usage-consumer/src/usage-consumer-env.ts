import type { StartUsageConsumerOptions } from './usage-consumer-options.js';

/**
 * Usage-consumer knobs read straight from the environment because libs/config does not declare
 * them yet (they belong there; see the README). The job lock, stalled check and shutdown grace
 * already come from libs/config (`WORKER_LOCK_DURATION_MS`, `WORKER_STALLED_INTERVAL_MS`,
 * `SHUTDOWN_GRACE_MS`). Each is optional; a value that is set but not a whole number in range
 * stops the process at boot with the variable's name.
 */

/** Variable → option, with the accepted range. */
const VARIABLES = [
  ['USAGE_EVENTS_RETENTION_DAYS', 'retentionDays', 1, 3650],
  ['USAGE_CONSUMER_BATCH_SIZE', 'batchSize', 1, 5000],
  ['USAGE_CONSUMER_BATCH_WAIT_MS', 'batchWaitMs', 0, 10_000],
  ['USAGE_CONSUMER_CONCURRENT_BATCHES', 'concurrentBatches', 1, 64],
] as const satisfies ReadonlyArray<readonly [string, keyof StartUsageConsumerOptions, number, number]>;

export function readUsageConsumerEnv(source: NodeJS.ProcessEnv): StartUsageConsumerOptions {
  const options: StartUsageConsumerOptions = {};
  for (const [name, option, minimum, maximum] of VARIABLES) {
    const value = readWholeNumber(source, name, minimum, maximum);
    if (value !== undefined) options[option] = value;
  }
  return options;
}

function readWholeNumber(source: NodeJS.ProcessEnv, name: string, minimum: number, maximum: number): number | undefined {
  const raw = source[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new Error(`Invalid ${name}: expected a whole number between ${minimum} and ${maximum}`);
  }
  return value;
}
