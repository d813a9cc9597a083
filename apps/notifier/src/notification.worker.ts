import { createBlockingConnection, NotificationJobSchema, QUEUES, type RunningWorker } from '@byok/queues';
import type { Logger } from '@byok/telemetry';
import { UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import Value from 'typebox/value';
import type { NotificationDispatcher } from '@byok/notifications';

export interface NotificationWorkerOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  telemetry: WorkerOptions['telemetry'];
  logger: Logger;
  dispatcher: NotificationDispatcher;
}

/**
 * The worker of the `notifications` queue: each job names a batch of outbox events, dispatched
 * together (one outbox read, one write per channel). A job completes only after every channel took
 * its events; a failure retries it with the catalog's backoff, and the channels' idempotency per
 * event id makes the retry (or a stalled job re-run after a crash) deliver nothing twice.
 */
export function createNotificationWorker(options: NotificationWorkerOptions): RunningWorker {
  const { logger } = options;
  const connection = createBlockingConnection(options.redisUrl);
  connection.on('error', (err: Error) => logger.debug({ err: { message: err.message } }, 'notification worker redis connection error'));
  const worker = new Worker(
    QUEUES.notifications.name,
    async (job) => {
      if (!Value.Check(NotificationJobSchema, job.data)) throw new UnrecoverableError('notification job without valid event ids');
      await options.dispatcher.dispatch(job.data.eventIds);
    },
    {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      // Re-running is harmless (idempotent channels), so a job outlives a few crashed notifiers.
      maxStalledCount: 5,
      telemetry: options.telemetry,
    },
  );
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, error: { name: err.name, message: err.message } }, 'notification delivery failed; retrying with backoff'));
  worker.on('error', (err) => logger.error({ err: { name: err.name, message: err.message } }, 'notification worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
