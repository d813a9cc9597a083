import { withTimeout } from '@byok/batch';
import { Queue, type JobsOptions, type QueueOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import Value from 'typebox/value';
import { QUEUES, type PayloadOf, type QueueKey } from './catalog.js';
import { InvalidJobPayloadError, QueueUnavailableError } from './queue-unavailable-error.js';

export interface EnqueuedJob {
  id: string;
}

export interface Producer<K extends QueueKey> {
  readonly queue: Queue;
  /** Validates the payload against the catalog schema and adds it; rejects with QueueUnavailableError when Redis is away. */
  enqueue(payload: PayloadOf<K>, options?: JobsOptions): Promise<EnqueuedJob>;
}

export type Producers = { [K in QueueKey]: Producer<K> } & { close(): Promise<void> };

/** Settings shared by every producer. */
export interface ProducerOptions {
  connection: Redis;
  prefix: string;
  timeoutMs?: number;
  /**
   * BullMQ telemetry (`queueTelemetry()` from @byok/telemetry): `add` then records a producer span
   * and stores its context in the job, so the worker's span continues the caller's trace.
   * Undefined when tracing is off.
   */
  telemetry?: QueueOptions['telemetry'];
}

/** The producers of every queue over one fail-fast connection. */
export function createProducers(options: ProducerOptions): Producers {
  const entries = (Object.keys(QUEUES) as QueueKey[]).map((key) => [key, createProducer(key, options)] as const);
  const producers = Object.fromEntries(entries) as { [K in QueueKey]: Producer<K> };
  return {
    ...producers,
    async close() {
      await Promise.all(entries.map(([, p]) => p.queue.close()));
    },
  };
}

function createProducer<K extends QueueKey>(key: K, options: ProducerOptions): Producer<K> {
  const definition = QUEUES[key];
  const prepare = (definition as { prepare?: (payload: PayloadOf<K>) => PayloadOf<K> }).prepare ?? ((payload: PayloadOf<K>) => payload);
  const queue = new Queue(definition.name, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: definition.defaultJobOptions,
    telemetry: options.telemetry,
  });
  // Connection errors surface through enqueue's rejection; without a listener they would crash the process.
  queue.on('error', () => undefined);
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    queue,
    async enqueue(given, jobOptions) {
      const payload = prepare(given);
      if (!Value.Check(definition.schema, payload)) {
        const first = Value.Errors(definition.schema, payload)[0];
        throw new InvalidJobPayloadError(`${definition.name}: ${first?.instancePath ?? ''} ${first?.message ?? 'invalid payload'}`);
      }
      if (options.connection.status !== 'ready') throw new QueueUnavailableError(definition.name);
      try {
        const job = await withTimeout(queue.add(definition.name, payload, jobOptions), timeoutMs);
        return { id: String(job.id) };
      } catch (cause) {
        throw new QueueUnavailableError(definition.name, { cause });
      }
    },
  };
}
