import { BullMQOtel } from 'bullmq-otel';
import { isTracingEnabled } from './telemetry-registration.js';

/** The tracer name BullMQ's queue and worker spans are created under. */
export const QUEUE_TRACER_NAME = 'byok-queues';

/**
 * The `telemetry` option for every BullMQ `Queue` and `Worker`: with it, `Queue.add` records a
 * producer span and stores its context in the job, and the worker's `process` span continues that
 * trace, so one trace runs from the HTTP request through the queue into the job.
 *
 * Returns undefined when tracing is off, so BullMQ takes its untraced path and pays nothing.
 * bullmq-otel 2 takes an options object; a bare string is accepted at runtime but ignored.
 */
export function queueTelemetry(): BullMQOtel | undefined {
  return isTracingEnabled() ? new BullMQOtel({ tracerName: QUEUE_TRACER_NAME }) : undefined;
}
