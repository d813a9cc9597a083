import { Worker, type Processor, type WorkerOptions } from 'bullmq';
import { createBlockingConnection } from './redis-connections.js';

/** A running BullMQ worker and a close that also releases the connection it was built from. */
export interface RunningWorker {
  worker: Worker;
  close(): Promise<void>;
}

interface TaskLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface SerialTaskWorkerOptions<Result> {
  queueName: string;
  /** Names the worker in log lines, e.g. `maintenance`. */
  label: string;
  processor: Processor<unknown, Result>;
  redisUrl: string;
  prefix: string;
  lockDurationMs: number;
  stalledIntervalMs: number;
  telemetry: WorkerOptions['telemetry'];
  logger: TaskLogger;
  /** Attaches metrics to the worker before it takes jobs. */
  instrument?: (worker: Worker<unknown, Result>) => void;
}

/**
 * A worker that runs one maintenance-style task at a time on its own blocking connection, logging
 * each task's end. Maintenance tasks walk whole tables; two at once would only compete for rows.
 */
export function startSerialTaskWorker<Result>(options: SerialTaskWorkerOptions<Result>): RunningWorker {
  const { label, logger } = options;
  const connection = createBlockingConnection(options.redisUrl);
  connection.on('error', (err: Error) => logger.debug({ err: { message: err.message } }, `${label} redis connection error`));
  const worker = new Worker<unknown, Result>(options.queueName, options.processor, {
    connection,
    prefix: options.prefix,
    concurrency: 1,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    telemetry: options.telemetry,
  });
  options.instrument?.(worker);
  worker.on('completed', (job, result) => logger.info({ jobId: job.id, task: job.name, result }, `${label} task finished`));
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, task: job?.name, error: { name: err.name, message: err.message } }, `${label} task failed`));
  worker.on('error', (err) => logger.error({ err: { name: err.name, message: err.message } }, `${label} worker error`));
  return {
    worker: worker as unknown as Worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
