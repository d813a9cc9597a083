import { randomUUID } from 'node:crypto';
import { createBatchWriter, type ItemOutcome, withTimeout } from '@byok/batch';
import { MAX_USAGE_BATCH_EVENTS, QUEUES, type UsageEvent, UsageEventSchema } from '@byok/queues';
import { currentSpanLink, runInBatchSpan, type Logger, type SpanLink } from '@byok/telemetry';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Compile } from 'typebox/compile';
import type { SpoolSegment, UsageSpool } from './usage-spool.js';

/**
 * Takes usage events after responses and puts them on the usage queue off the request path, many
 * events to a job. With a spool (`usage-spool.ts`) each event is written ahead to a local file
 * before it is queued — the events recorded in one turn of the event loop together, in one
 * `write` at the end of that turn (or sooner, when their batch is sent or they are evicted) — so
 * a crash loses none recorded before the turn they were recorded in, and while Redis is away the events wait in
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

/** Events read back from the spool come from disk, so they are checked before they are sent. */
const usageEventCheck = Compile(UsageEventSchema);

/** An event waiting to be sent, with the request span it links back to when tracing runs. */
interface Pending {
  event: UsageEvent;
  link: SpanLink | undefined;
  /**
   * Where the event was written ahead; undefined without a spool, while its write waits for the
   * end of the turn, or when that write failed.
   */
  segment: SpoolSegment | undefined;
  /**
   * The job id of the batch whose send failed while holding this event: the batch goes again as
   * that job (same id, same events or fewer), so an add that landed before its reply was lost is
   * not queued twice.
   */
  jobId: string | undefined;
}
const DELIVERED: ItemOutcome<void> = { ok: true, value: undefined };
/** Log a full buffer at most this often, with the running count. */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * The events ride a batch writer (`@byok/batch`): one job at a time, a batch when `batchSize`
 * events wait or the oldest waited `lingerMs`, written only while the connection is ready, and a
 * failed batch held at the front to go again as the same job (`hold`). This closure adds what is
 * the proxy's own: the write-ahead spool, the bound on memory, and the outage's logs.
 */
export function createUsageSink(deps: UsageSinkDeps): UsageSink {
  const batchSize = Math.min(deps.batchSize ?? 200, MAX_USAGE_BATCH_EVENTS);
  const addTimeoutMs = deps.addTimeoutMs ?? 2000;
  const name = QUEUES.usageEvents.name;
  let closed = false;
  let dropped = 0;
  /** Set while events wait for Redis; the outage is logged once when it starts and once when it ends. */
  let waitingForRedis = false;
  let lastDropLogAt = 0;
  const idleWaiters = new Set<() => void>();
  /** Events recorded in this turn of the event loop, not yet written ahead. */
  let unspooled: Pending[] = [];
  let writeAheadScheduled = false;

  const writer = createBatchWriter<Pending, void>({
    maxBatchSize: batchSize,
    maxConcurrentBatches: 1,
    maxWaitMs: Math.max(0, deps.lingerMs ?? 50),
    onWriteFailure: { kind: 'hold', retryDelayMs: deps.retryDelayMs ?? 1000 },
    // Not connected: the `ready` listener below resumes.
    canWrite: () => deps.connection.status === 'ready',
    write: send,
    onWriteEnd() {
      trim();
      refill();
      if (idle()) becameIdle();
    },
  });
  const buffered = (): number => {
    const { waiting, writingItems } = writer.stats();
    return waiting + writingItems;
  };

  /**
   * Writes the events recorded since the last call ahead, in one `write`: one system call per
   * turn of the event loop instead of one per event (a spool write per event was ~3 % of the
   * proxy's CPU). Runs at the end of the turn, and before a batch is sent or events are evicted,
   * so no event reaches the queue or leaves memory before it is on disk.
   */
  function writeAhead(): void {
    writeAheadScheduled = false;
    if (unspooled.length === 0 || deps.spool === undefined) return;
    const events = unspooled;
    unspooled = [];
    const segment = deps.spool.append(events.map((p) => p.event));
    if (segment !== undefined) for (const p of events) p.segment = segment;
  }

  async function send(batch: Pending[]): Promise<Array<ItemOutcome<void>>> {
    writeAhead();
    const jobId = batch[0]?.jobId ?? randomUUID();
    for (const p of batch) p.jobId = jobId;
    const links = batch.flatMap((p) => (p.link === undefined ? [] : [p.link]));
    try {
      await withTimeout(
        runInBatchSpan('usage-events batch', { size: batch.length, links }, () => deps.queue.add(name, { events: batch.map((p) => p.event) }, { jobId })),
        addTimeoutMs,
      );
    } catch (error) {
      noteWaiting(error);
      throw error;
    }
    if (deps.spool !== undefined) for (const p of batch) if (p.segment !== undefined) deps.spool.delivered(p.segment);
    return batch.map(() => DELIVERED);
  }

  function drop(count: number, reason: string): void {
    dropped += count;
    const at = Date.now();
    if (at - lastDropLogAt >= DROP_LOG_INTERVAL_MS) {
      lastDropLogAt = at;
      deps.logger.error({ dropped_now: count, dropped_total: dropped, buffered: writer.stats().waiting }, `usage events lost: ${reason}`);
    }
  }

  /** Beyond `maxBuffered` waiting events the oldest leave memory: spooled ones stay on disk, the others are lost. */
  function trim(): void {
    const over = writer.stats().waiting - deps.maxBuffered;
    if (over <= 0) return;
    writeAhead();
    // Fewer events under a held batch's id is safe: if its first send did land, it holds them all.
    let lost = 0;
    for (const p of writer.evictOldest(over)) {
      if (p.segment !== undefined) deps.spool?.spilled(p.segment);
      else lost++;
    }
    if (lost > 0) drop(lost, `the in-memory buffer (${deps.maxBuffered} events) is full while Redis is unavailable`);
  }

  /**
   * With Redis ready and at least half the buffer free, reads back the oldest spool file that
   * owes events only on disk (at most the free room), so the overflow of an outage goes out even
   * while new events keep arriving.
   */
  function refill(): void {
    // Called on every record: the cheap checks first.
    if (deps.spool === undefined || closed || deps.connection.status !== 'ready') return;
    const room = deps.maxBuffered - buffered();
    if (room < Math.ceil(deps.maxBuffered / 2)) return;
    const taken = deps.spool.takeSpilled(room);
    if (taken === undefined) return;
    for (const event of taken.events) {
      if (usageEventCheck.Check(event)) writer.push({ event, link: undefined, segment: taken.segment, jobId: undefined });
      else {
        deps.spool.delivered(taken.segment);
        drop(1, 'a spooled event failed its schema');
      }
    }
    deps.logger.info({ events: taken.events.length, spilled_files_left: deps.spool.spilledSegments }, 'usage events read back from the spool');
  }

  function idle(): boolean {
    return buffered() === 0 && (deps.spool?.spilledSegments ?? 0) === 0;
  }

  function becameIdle(): void {
    if (waitingForRedis) {
      waitingForRedis = false;
      deps.logger.info({ dropped_total: dropped }, 'usage events delivered again: the queue is back');
    }
    for (const wake of idleWaiters) wake();
  }

  function noteWaiting(error?: unknown): void {
    if (waitingForRedis) return;
    waitingForRedis = true;
    deps.logger.warn({ ...(error === undefined ? {} : { err: error }), buffered: buffered(), max_buffered: deps.maxBuffered }, 'usage events wait in memory: the queue is unavailable');
  }

  const onReady = () => {
    refill();
    writer.resume();
  };
  deps.connection.on('ready', onReady);
  // Files a crashed proxy left in the spool go out now, not at the first request.
  refill();

  return {
    record(event) {
      if (closed) {
        drop(1, 'recorded after shutdown');
        return;
      }
      // Not checked against its schema here (about 1 µs per request): the event is the proxy's own,
      // typed as the schema, and the consumer checks every event of a job alone, stores the rest
      // and leaves a job with a refused event among the failed jobs (usage-job.payload.ts).
      refill();
      const pending: Pending = { event, link: currentSpanLink(), segment: undefined, jobId: undefined };
      if (deps.spool !== undefined) {
        unspooled.push(pending);
        if (!writeAheadScheduled) {
          writeAheadScheduled = true;
          setImmediate(writeAhead);
        }
      }
      writer.push(pending);
      trim();
      if (deps.connection.status !== 'ready') noteWaiting();
    },
    async flush(timeoutMs) {
      if (idle()) return true;
      refill();
      writer.flush();
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
      deps.connection.off('ready', onReady);
      writeAhead();
      const left = writer.close();
      const unspooled = left.filter((p) => p.segment === undefined).length;
      if (unspooled > 0) drop(unspooled, 'still buffered at shutdown');
      if (left.length > unspooled || (deps.spool?.spilledSegments ?? 0) > 0) {
        deps.logger.warn({ events: left.length - unspooled }, 'usage events not yet queued stay in the spool; the next proxy started on it sends them');
      }
      deps.spool?.close();
      for (const wake of idleWaiters) wake();
    },
    get buffered() {
      return buffered();
    },
    get spilledSegments() {
      return deps.spool?.spilledSegments ?? 0;
    },
    get dropped() {
      return dropped;
    },
  };
}
