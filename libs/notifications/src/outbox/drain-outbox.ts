import { createHash } from 'node:crypto';
import type { Orm } from '@byok/db';
import { MAX_NOTIFICATION_JOB_EVENTS, NotificationJobSchema, QUEUES } from '@byok/queues';
import type { Queue } from 'bullmq';
import Value from 'typebox/value';
import { isOrgOwned, readdressOrgEvents } from './org-recipients.js';

/** The job id of a batch: the same rows always make the same id (hex, as BullMQ wants custom ids). */
export function notificationJobId(eventIds: readonly string[]): string {
  return `n${createHash('sha256').update([...eventIds].sort().join(',')).digest('hex').slice(0, 40)}`;
}

/**
 * Moves committed, undispatched outbox rows onto the `notifications` queue, oldest first, as one
 * job naming their ids, and stamps them dispatched, in one transaction:
 *
 * - Rows are claimed `FOR UPDATE SKIP LOCKED`, so several drainers share the work without waiting
 *   on each other or taking the same row.
 * - The job's id is derived from the ids it names. A drainer killed after the add and before its
 *   commit leaves the rows undispatched; the next drain adds them again, and BullMQ ignores a job
 *   id it already holds, so the same rows get no second job. Should the next drain group them
 *   differently (other rows arrived meanwhile), the events are in two jobs, and every channel's
 *   idempotency per event id keeps the deliveries single.
 * - A row whose transaction has not committed is invisible here, so a rolled-back change never
 *   reaches the queue.
 * - A row an organization owns (`org:<id>`, an event about an org key) is not queued: it is
 *   readdressed to the organization's owners and admins (`readdressOrgEvents`), one row each, which
 *   the next drain queues. So every emitter addresses an org key's events to its owner, as it
 *   does a user's, and who hears of them is decided here, in the claim's transaction.
 *
 * Returns how many rows it moved.
 */
export async function drainOutboxOnce(orm: Orm, queue: Queue, batchSize: number): Promise<number> {
  if (batchSize < 1 || batchSize > MAX_NOTIFICATION_JOB_EVENTS) throw new RangeError(`batchSize must be 1..${MAX_NOTIFICATION_JOB_EVENTS}`);
  return orm.em.fork().transactional(async (em) => {
    const rows = await em.execute<Array<{ id: string; user_id: string }>>(
      `SELECT id, user_id FROM notification_outbox WHERE dispatched_at IS NULL ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    if (rows.length === 0) return 0;
    await readdressOrgEvents(em, rows.filter((row) => isOrgOwned(row.user_id)).map((row) => ({ id: row.id, userId: row.user_id })));
    const data = { eventIds: rows.filter((row) => !isOrgOwned(row.user_id)).map((row) => row.id) };
    if (data.eventIds.length > 0) {
      // The catalog's schema, as every producer checks it: ids only.
      if (!Value.Check(NotificationJobSchema, data)) throw new Error('outbox rows without valid event ids');
      await queue.add(QUEUES.notifications.name, data, { jobId: notificationJobId(data.eventIds) });
    }
    await em.execute(`UPDATE notification_outbox SET dispatched_at = now() WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`, [
      JSON.stringify(rows.map((row) => row.id)),
    ]);
    return rows.length;
  });
}

export interface OutboxDrainerOptions {
  orm: Orm;
  /** The `notifications` queue (the runtime's producer's queue: it carries the catalog's job options). */
  queue: Queue;
  batchSize?: number;
  /** Pause after a drain that found less than a full batch. */
  idleMs?: number;
  logger: { warn(obj: object, msg: string): void };
}

export interface OutboxDrainer {
  /** Drains now instead of at the end of the current pause (e.g. after this process emitted events). */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * Drains in a loop: straight on while batches come back full, else after `idleMs`. A failed drain
 * (Postgres or Redis away) is logged and retried after the pause; nothing is lost, since the rows
 * stay undispatched.
 */
export function startOutboxDrainer(options: OutboxDrainerOptions): OutboxDrainer {
  const batchSize = options.batchSize ?? 500;
  const idleMs = options.idleMs ?? 50;
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = async (): Promise<void> => {
    while (!stopped) {
      let moved = 0;
      try {
        moved = await drainOutboxOnce(options.orm, options.queue, batchSize);
      } catch (error) {
        options.logger.warn({ error: { name: error instanceof Error ? error.name : 'unknown', message: error instanceof Error ? error.message : String(error) } }, 'outbox drain failed; retrying');
      }
      if (moved < batchSize && !stopped) await pause(idleMs);
    }
  };
  const running = loop();
  return {
    wake: () => wakeUp?.(),
    async stop() {
      stopped = true;
      wakeUp?.();
      await running;
    },
  };
}
