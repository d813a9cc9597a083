import { randomUUID } from 'node:crypto';
import { withTimeout } from '@byok/batch';
import { MAX_USAGE_BATCH_EVENTS, QUEUES, type UsageEvent, UsageEventSchema } from '@byok/queues';
import { currentSpanLink, runInBatchSpan, type Logger, type SpanLink } from '@byok/telemetry';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Compile } from 'typebox/compile';
import type { SpoolSegment, UsageSpool } from './usage-spool.js';

/**
 * Takes usage events after responses and puts them on the usage queue off the request path, many
 * events to a job. With a spool (`usage-spool.ts`) each event is written ahead to a local file
 * first, so a crash loses none that were recorded, and while Redis is away the events wait in
 * memory — at most `maxBuffered`; beyond that the oldest leave memory but stay in the spool and
 * are read back when Redis is back (without a spool they are dropped, counted and logged). A batch whose
 * send failed is sent again as the same job (same id, same events or fewer), so an add that did
 * land before its reply was lost is not queued twice; the consumer deduplicates by request id
 * regardless.
 */
export interface UsageSink {
  record(event: UsageEvent): void;
  /** Waits until every buffered event is on the queue or `timeoutMs` passed; resolves true when empty. */
  flush(timeoutMs: number): Promise<boolean>;
  /** Stops retrying; events still buffered are counted as lost and logged. */
  close(): void;
  /** Events not yet confirmed on the queue (waiting, or in a batch being sent), in memory. */
  readonly buffered: number;
  /** Spool files owing events that are only on disk (spilled during an outage, or left by a crash). */
  readonly spilledSegments?: number;
  /** Events dropped because the buffer was full (or still held at close), since start. */
  readonly dropped: number;
}

export interface UsageSinkDeps {
  queue: Pick<Queue, 'add'>;
  /** The queue's connection: its `ready` event restarts a flush after an outage. */
  connection: Pick<Redis, 'status' | 'on' | 'off'>;
  logger: Logger;
  maxBuffered: number;
  /** The write-ahead spool; without one a crash loses the buffer and an overflow drops events. */
  spool?: UsageSpool;
  /** Events per job (one round trip). Default 200, at most MAX_USAGE_BATCH_EVENTS. */
  batchSize?: number;
  /**
   * How long an event may wait for others to share its job. Default 50 ms: a busy proxy sends one
   * job per interval instead of one per request, and nobody reads usage within 50 ms.
   */
  lingerMs?: number;
  /** How long one add may take before it counts as failed. Default 2 s. */
  addTimeoutMs?: number;
  /** Pause before retrying after a failure while Redis still looks connected. Default 1 s. */
  retryDelayMs?: number;
}

const usageEventCheck = Compile(UsageEventSchema);

/** An event waiting to be sent, with the request span it links back to when tracing runs. */
interface Pending {
  event: UsageEvent;
  link: SpanLink | undefined;
  /** Where the event was written ahead; undefined without a spool, or when that write failed. */
  segment: SpoolSegment | undefined;
}
/** Log a full buffer at most this often, with the running count. */
const DROP_LOG_INTERVAL_MS = 10_000;

export function createUsageSink(deps: UsageSinkDeps): UsageSink {
  const batchSize = Math.min(deps.batchSize ?? 200, MAX_USAGE_BATCH_EVENTS);
  const addTimeoutMs = deps.addTimeoutMs ?? 2000;
  const retryDelayMs = deps.retryDelayMs ?? 1000;
  const lingerMs = deps.lingerMs ?? 50;
  const name = QUEUES.usageEvents.name;
  let pending: Pending[] = [];
  /** The front of `pending` is a batch whose send failed: it goes again as this job. */
  let resend: { jobId: string; size: number } | undefined;
  let inFlight = 0;
  let flushing = false;
  let scheduled = false;
  let lingerTimer: NodeJS.Timeout | undefined;
  /** Set by `flush()` (shutdown): send at once until the buffer is empty. */
  let draining = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let dropped = 0;
  /** Set while events wait for Redis; the outage is logged once when it starts and once when it ends. */
  let waiting = false;
  let lastDropLogAt = 0;
  const idleWaiters = new Set<() => void>();

  function drop(count: number, reason: string): void {
    dropped += count;
    const at = Date.now();
    if (at - lastDropLogAt >= DROP_LOG_INTERVAL_MS) {
      lastDropLogAt = at;
      deps.logger.error({ dropped_now: count, dropped_total: dropped, buffered: pending.length }, `usage events lost: ${reason}`);
    }
  }

  function trim(): void {
    const over = pending.length - deps.maxBuffered;
    if (over > 0) {
      const removed = pending.splice(0, over);
      // Fewer events under the same id is safe: if the first send did land, it holds them all.
      if (resend !== undefined) resend = resend.size > over ? { jobId: resend.jobId, size: resend.size - over } : undefined;
      let lost = 0;
      for (const p of removed) {
        if (p.segment !== undefined) deps.spool?.spilled(p.segment);
        else lost++;
      }
      if (lost > 0) drop(lost, `the in-memory buffer (${deps.maxBuffered} events) is full while Redis is unavailable`);
    }
  }

  /**
   * With Redis ready and at least half the buffer free, reads back the oldest spool file that
   * owes events only on disk (at most the free room), so the overflow of an outage goes out even
   * while new events keep arriving.
   */
  function refill(): void {
    const room = deps.maxBuffered - pending.length - inFlight;
    if (deps.spool === undefined || room < Math.ceil(deps.maxBuffered / 2) || deps.connection.status !== 'ready') return;
    const taken = deps.spool.takeSpilled(room);
    if (taken === undefined) return;
    for (const event of taken.events) {
      if (usageEventCheck.Check(event)) pending.push({ event, link: undefined, segment: taken.segment });
      else {
        deps.spool.delivered(taken.segment);
        drop(1, 'a spooled event failed its schema');
      }
    }
    deps.logger.info({ events: taken.events.length, spilled_files_left: deps.spool.spilledSegments }, 'usage events read back from the spool');
  }

  function idle(): boolean {
    return pending.length === 0 && inFlight === 0 && (deps.spool?.spilledSegments ?? 0) === 0;
  }

  function noteWaiting(error?: unknown): void {
    if (waiting) return;
    waiting = true;
    deps.logger.warn({ ...(error === undefined ? {} : { err: error }), buffered: pending.length + inFlight, max_buffered: deps.maxBuffered }, 'usage events wait in memory: the queue is unavailable');
  }

  function schedule(): void {
    if (closed || flushing || scheduled) return;
    refill();
    if (pending.length === 0) return;
    // Not connected: the `ready` listener below starts the next flush.
    if (deps.connection.status !== 'ready') {
      noteWaiting();
      return;
    }
    scheduled = true;
    if (pending.length >= batchSize || lingerMs <= 0 || draining) {
      setImmediate(() => void flush());
      return;
    }
    lingerTimer = setTimeout(() => {
      lingerTimer = undefined;
      void flush();
    }, lingerMs);
    lingerTimer.unref();
  }

  function retryLater(): void {
    if (retryTimer !== undefined || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      schedule();
    }, retryDelayMs);
    retryTimer.unref();
  }

  async function flush(): Promise<void> {
    scheduled = false;
    if (closed || pending.length === 0) return;
    flushing = true;
    const size = resend?.size ?? Math.min(batchSize, pending.length);
    const jobId = resend?.jobId ?? randomUUID();
    resend = undefined;
    const batch = pending.length <= size ? pending : pending.slice(0, size);
    pending = pending.length <= size ? [] : pending.slice(size);
    inFlight = batch.length;
    let ok = false;
    const links = batch.flatMap((p) => (p.link === undefined ? [] : [p.link]));
    try {
      await withTimeout(
        runInBatchSpan('usage-events batch', { size: batch.length, links }, () => deps.queue.add(name, { events: batch.map((p) => p.event) }, { jobId })),
        addTimeoutMs,
      );
      ok = true;
      if (deps.spool !== undefined) for (const p of batch) if (p.segment !== undefined) deps.spool.delivered(p.segment);
    } catch (error) {
      // Back at the front, in order, to go again as the same job.
      pending = batch.concat(pending);
      resend = { jobId, size: batch.length };
      trim();
      noteWaiting(error);
    } finally {
      flushing = false;
      inFlight = 0;
    }
    if (ok) schedule();
    else retryLater();
    if (idle()) {
      draining = false;
      if (waiting) {
        waiting = false;
        deps.logger.info({ dropped_total: dropped }, 'usage events delivered again: the queue is back');
      }
      for (const wake of idleWaiters) wake();
    }
  }

  const onReady = () => schedule();
  deps.connection.on('ready', onReady);
  // Files a crashed proxy left in the spool go out now, not at the first request.
  schedule();

  return {
    record(event) {
      if (closed) {
        drop(1, 'recorded after shutdown');
        return;
      }
      if (!usageEventCheck.Check(event)) {
        // A bug in the proxy, not an outage: say which field, never the values.
        const first = usageEventCheck.Errors(event)[0];
        deps.logger.error({ path: first?.instancePath, problem: first?.message }, 'usage event failed its schema and was dropped');
        return;
      }
      pending.push({ event, link: currentSpanLink(), segment: deps.spool?.append(event) });
      trim();
      // A full batch need not wait for the linger timer.
      if (pending.length >= batchSize && lingerTimer !== undefined) {
        clearTimeout(lingerTimer);
        lingerTimer = undefined;
        scheduled = false;
      }
      schedule();
    },
    async flush(timeoutMs) {
      if (idle() && !flushing) return true;
      draining = true;
      if (lingerTimer !== undefined) {
        clearTimeout(lingerTimer);
        lingerTimer = undefined;
        scheduled = false;
      }
      schedule();
      let timer: NodeJS.Timeout | undefined;
      let wake: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        idleWaiters.add(resolve);
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      if (wake) idleWaiters.delete(wake);
      return idle();
    },
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(retryTimer);
      clearTimeout(lingerTimer);
      deps.connection.off('ready', onReady);
      const unspooled = pending.filter((p) => p.segment === undefined).length;
      if (unspooled > 0) drop(unspooled, 'still buffered at shutdown');
      if (pending.length > unspooled || (deps.spool?.spilledSegments ?? 0) > 0) {
        deps.logger.warn({ events: pending.length - unspooled }, 'usage events not yet queued stay in the spool; the next proxy started on it sends them');
      }
      deps.spool?.close();
      pending = [];
      resend = undefined;
      for (const wake of idleWaiters) wake();
    },
    get buffered() {
      return pending.length + inFlight;
    },
    get spilledSegments() {
      return deps.spool?.spilledSegments ?? 0;
    },
    get dropped() {
      return dropped;
    },
  };
}
