import { createBatchWriter } from '@byok/batch';
import type { Config } from '@byok/config';
import type { Orm } from '@byok/db';
import { createBlockingConnection, QUEUES, type UsageEvent } from '@byok/queues';
import { isFinalFailure, type GatewayMetrics, type Logger, recordJobMetrics } from '@byok/telemetry';
import { UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import type { RunningWorker } from '@byok/queues';
import type { Redis } from 'ioredis';
import type { UsageConsumerSettings } from '../usage-consumer-options.js';
import { createCreditRelease } from './credit-release.js';
import { createUsageBatchWriter, type UsageEventStored } from './usage-batch.writer.js';
import { settleUsageJob, type UsageJobResult } from './usage-job.outcome.js';
import { parseUsageJob } from './usage-job.payload.js';

export interface UsageEventsWorkerDependencies {
  config: Pick<Config, 'redisUrl' | 'redisPrefix' | 'proxy'>;
  orm: Orm;
  /** A command connection: ends the credit reservations of charged events (absent: they lapse). */
  redis?: Redis;
  logger: Logger;
  settings: UsageConsumerSettings;
  metrics: GatewayMetrics;
  /** `queueTelemetry()`: continues the proxy's trace in each job; undefined when tracing is off. */
  telemetry: WorkerOptions['telemetry'];
}

/**
 * The BullMQ worker of the usage-events queue. Each job carries a proxy's batch of events; the
 * processor validates each event and hands it to a batch writer (`@byok/batch`), which writes events of several
 * jobs in one transaction. A job settles only after every one of its events was committed or
 * failed (see `settleUsageJob`). BullMQ keeps renewing the locks of jobs waiting on a write, and
 * retries failed ones with the producer's backoff (attempts 20, exponential from 500 ms).
 */
export function createUsageEventsWorker(deps: UsageEventsWorkerDependencies): RunningWorker {
  const { config, logger, settings } = deps;
  const batcher = createBatchWriter<UsageEvent, UsageEventStored>({
    maxBatchSize: settings.batchSize,
    maxWaitMs: settings.batchWaitMs,
    maxConcurrentBatches: settings.concurrentBatches,
    // A failed transaction wrote none of its events: each of their jobs fails and BullMQ retries it.
    onWriteFailure: { kind: 'fail-batch' },
    write: createUsageBatchWriter({
      orm: deps.orm,
      logger,
      metrics: deps.metrics,
      // A second past the balance cache: by then every proxy's cached balance includes the charge.
      ...(deps.redis ? { onCommitted: createCreditRelease({ redis: deps.redis, prefix: config.redisPrefix, afterMs: config.proxy.balanceCacheTtlMs + 1000, logger }) } : {}),
    }),
  });
  const connection = createBlockingConnection(config.redisUrl);
  connection.on('error', (err: Error) => logger.debug({ err: { message: err.message } }, 'usage worker redis connection error'));
  const processUsageJob = async (data: unknown): Promise<UsageJobResult> => {
    const { events, refused } = parseUsageJob(data);
    return settleUsageJob(await Promise.allSettled(events.map((event) => batcher.add(event))), refused);
  };
  const worker = new Worker<unknown, UsageJobResult>(QUEUES.usageEvents.name, (job) => processUsageJob(job.data), {
    connection,
    prefix: config.redisPrefix,
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    // Re-running an event is harmless (it is deduplicated), so a job survives a few consumer crashes
    // before BullMQ gives up on it; the default of 1 would fail every event of a twice-killed batch.
    maxStalledCount: 5,
    telemetry: deps.telemetry,
  });
  recordJobMetrics(worker, deps.metrics);
  worker.on('failed', (job, err) => {
    // Retryable failures are logged once per batch by the writer; only final ones are logged per job.
    if (err instanceof UnrecoverableError || err.name === 'UnrecoverableError') {
      logger.warn({ jobId: job?.id, error: { name: err.name, message: err.message } }, 'usage events rejected');
    } else if (job && isFinalFailure(job, err)) {
      logger.error({ jobId: job.id, attemptsMade: job.attemptsMade, error: { message: err.message } }, 'usage job gave up after its last attempt; retry it from the failed jobs');
    }
  });
  worker.on('error', (err) => logger.error({ err: { name: err.name, message: err.message } }, 'usage worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
