import type { Config } from '@byok/config';
import { createBlockingConnection, QUEUES } from '@byok/queues';
import { recordJobMetrics } from '@byok/telemetry';
import type { GatewayMetrics, Logger } from '@byok/telemetry';
import { type Job, Worker, type WorkerOptions } from 'bullmq';
import { deferForOutage, isInfrastructureOutage } from '../retry/outage-retry.js';
import { createProviderBackoff } from '../retry/retry-policy.js';
import type { RunningWorker } from '@byok/queues';
import type { WorkerSettings } from '../worker-options.js';
import type { KeyTestProcessor } from './key-test.processor.js';
import type { KeyTestJobResult } from './key-test.verdict.js';

/** Times a job may be taken over from a crashed worker before it is failed. */
const MAX_STALLED_COUNT = 10;

/** What the key-test BullMQ worker needs from outside. */
export interface KeyTestWorkerDependencies {
  config: Pick<Config, 'redisUrl' | 'redisPrefix' | 'workerConcurrency' | 'keyTestOutageRetryMaxMs'>;
  logger: Logger;
  processor: KeyTestProcessor;
  settings: WorkerSettings;
  metrics: GatewayMetrics;
  /** `queueTelemetry()`: continues the enqueuer's trace in each job; undefined when tracing is off. */
  telemetry: WorkerOptions['telemetry'];
}

/**
 * The BullMQ worker of the key-test queue. It has its own blocking connection (BullMQ duplicates it
 * for its command and blocking clients), runs `workerConcurrency` jobs at once, and retries through
 * the `provider` backoff strategy, which honours a provider's retry-after.
 */
export function createKeyTestWorker(deps: KeyTestWorkerDependencies): RunningWorker {
  const { config, logger, settings } = deps;
  const connection = createBlockingConnection(config.redisUrl);
  connection.on('error', (err: Error) => logger.debug({ err: { message: err.message } }, 'key-test worker redis connection error'));
  // Postgres or Redis away: the job waits (capped backoff) without spending an attempt, however long
  // the outage lasts; its attempts are for the provider's answers.
  const run = async (job: Job<unknown, KeyTestJobResult>, token?: string): Promise<KeyTestJobResult> => {
    try {
      return await deps.processor(job);
    } catch (error) {
      if (!isInfrastructureOutage(error)) throw error;
      logger.warn({ jobId: job.id, attemptsMade: job.attemptsMade }, 'key test deferred: database or Redis unavailable (no attempt spent)');
      return deferForOutage(job, token, error, config.keyTestOutageRetryMaxMs);
    }
  };
  const worker = new Worker<unknown, KeyTestJobResult>(QUEUES.keyTests.name, run, {
    connection,
    prefix: config.redisPrefix,
    concurrency: config.workerConcurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    // BullMQ's default (1) fails a job whose worker died twice, writing no status, so its key
    // would stay `testing`. The processor is idempotent per job, so re-running it is safe; the
    // bound only stops a job that itself crashes every worker from looping forever.
    maxStalledCount: MAX_STALLED_COUNT,
    settings: { backoffStrategy: createProviderBackoff() },
    telemetry: deps.telemetry,
  });
  recordJobMetrics(worker, deps.metrics);
  worker.on('failed', (job, err) => {
    // The message is a provider answer already scrubbed of the key, or one of our fixed texts.
    logger.info({ jobId: job?.id, attemptsMade: job?.attemptsMade, error: { name: err.name, message: err.message } }, 'key-test attempt failed');
  });
  worker.on('error', (err) => logger.error({ err: { name: err.name, message: err.message } }, 'key-test worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
