import { withTimeout } from '@byok/batch';
import type { BatchObservableResult, Meter, ObservableGauge } from '@opentelemetry/api';
import { gatewayMeter } from './gateway-metrics.js';

/** The part of a BullMQ `Queue` the gauge reads; structural, so this library needs no bullmq import. */
export interface CountableQueue {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

/** Job states reported, in BullMQ's names. `completed` is left out: it only grows until pruned. */
export const QUEUE_DEPTH_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/** A Redis that does not answer within this long skips one collection rather than stall the reader. */
const COUNT_TIMEOUT_MS = 1000;

/**
 * Registers the `gateway.queue.jobs` gauge: jobs per queue and state, read with one
 * `getJobCounts` call (a handful of O(1) Redis commands) per queue when the metric reader collects
 * (every export interval), never on a request path. Returns a function that unregisters it.
 * Every process that calls this reports the same global depth; dashboards take `max` across
 * instances.
 */
export function observeQueueDepth(queues: readonly CountableQueue[], meter: Meter = gatewayMeter()): () => void {
  const gauge: ObservableGauge = meter.createObservableGauge('gateway.queue.jobs', { description: 'Jobs in each queue by state.', unit: '{job}' });
  const callback = async (result: BatchObservableResult): Promise<void> => {
    await Promise.all(
      queues.map(async (queue) => {
        // Redis away or slow: no counts, so the series has a gap rather than a wrong zero.
        const counts = await withTimeout(queue.getJobCounts(...QUEUE_DEPTH_STATES), COUNT_TIMEOUT_MS).catch(() => undefined);
        if (counts === undefined) return;
        for (const state of QUEUE_DEPTH_STATES) result.observe(gauge, counts[state] ?? 0, { queue: queue.name, state });
      }),
    );
  };
  meter.addBatchObservableCallback(callback, [gauge]);
  return () => meter.removeBatchObservableCallback(callback, [gauge]);
}
