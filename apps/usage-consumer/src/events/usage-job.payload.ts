import { MAX_USAGE_BATCH_EVENTS, type UsageEvent } from '@byok/queues';
import { UnrecoverableError } from 'bullmq';
import { parseUsageEvent } from './usage-event.payload.js';

/** A usage job's events that can be stored, and why the others cannot (field names, never values). */
export interface ParsedUsageJob {
  events: UsageEvent[];
  refused: string[];
}

/**
 * Reads a usage job: `{events: [...]}` as the proxy sends it, or a single event as proxies before
 * batching sent it (jobs of an older proxy may still wait in the queue during an upgrade). Each
 * event is checked alone, so one malformed event never holds back the rest of its job. A payload
 * that is neither throws `UnrecoverableError`: it is wrong on every retry.
 */
export function parseUsageJob(data: unknown): ParsedUsageJob {
  if (!isBatch(data)) return { events: [parseUsageEvent(data)], refused: [] };
  const { events: items } = data;
  if (items.length === 0 || items.length > MAX_USAGE_BATCH_EVENTS) {
    throw new UnrecoverableError(`usage job carries ${items.length} events; 1 to ${MAX_USAGE_BATCH_EVENTS} are accepted`);
  }
  const parsed: ParsedUsageJob = { events: [], refused: [] };
  for (const item of items) {
    try {
      parsed.events.push(parseUsageEvent(item));
    } catch (error) {
      parsed.refused.push((error as Error).message);
    }
  }
  return parsed;
}

function isBatch(data: unknown): data is { events: unknown[] } {
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { events?: unknown }).events)) return false;
  // A batch has nothing beside its events; anything else is a (malformed) single event.
  return Object.keys(data).length === 1;
}
