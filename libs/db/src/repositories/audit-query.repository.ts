import type { EntityManager } from '@mikro-orm/postgresql';
import type { ActorType } from './audit-log.repository.js';

/** One `audit_log` row as read back. `id` is a decimal string (BIGSERIAL exceeds JS integers in principle). */
export interface AuditRecord {
  id: string;
  occurredAt: Date;
  /** `occurred_at` in UTC to the microsecond (`YYYY-MM-DDTHH:MM:SS.ffffff`), exact where a Date is not: for cursors. */
  occurredAtExact: string;
  actorId: string;
  actorType: ActorType;
  action: string;
  subjectUserId: string;
  provider: string | null;
  keyId: string | null;
  requestId: string | null;
  traceId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

/** Which records to read. Every field narrows; none set means every record (admin only). */
export interface AuditFilter {
  subjectUserId?: string;
  /** Records of changes made for this organization (its keys, members, settings). */
  orgId?: string;
  action?: string;
  provider?: string;
  /** occurred_at >= this. */
  occurredFrom?: Date;
  /** occurred_at < this. */
  occurredBefore?: Date;
}

/**
 * The keyset a page continues from: the last record of the previous page. `id` order is by id
 * alone; `time` order is by (occurred_at, id), for filters with a time window.
 */
export type AuditPosition = { order: 'id'; id: string } | { order: 'time'; occurredAtExact: string; id: string };

export interface AuditPage {
  order: AuditPosition['order'];
  /** Only records after (older than) this position; must be of the same order. */
  after?: AuditPosition;
  limit: number;
}

/**
 * The order a filter is read in. Without a time window, `id DESC`: the (subject_user_id, id
 * DESC), (action, id DESC) and (provider, id DESC) indexes and the primary key all walk in it.
 * With one, `(occurred_at DESC, id DESC)`, which the occurred_at index walks: reading an old
 * window in id order would pass every newer record first (a planner's LIMIT estimate assumes
 * matches are spread evenly; in a time window they are bunched).
 */
export function auditOrderFor(filter: AuditFilter): AuditPosition['order'] {
  return filter.occurredFrom !== undefined || filter.occurredBefore !== undefined ? 'time' : 'id';
}

/** The position after `record` in `order`. */
export function auditPositionOf(record: AuditRecord, order: AuditPosition['order']): AuditPosition {
  return order === 'id' ? { order, id: record.id } : { order, occurredAtExact: record.occurredAtExact, id: record.id };
}

interface AuditRow {
  id: string;
  occurred_at: Date | string;
  occurred_at_exact: string;
  actor_id: string;
  actor_type: ActorType;
  action: string;
  subject_user_id: string;
  provider: string | null;
  key_id: string | null;
  request_id: string | null;
  trace_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown> | null;
}

const ORDER_BY: Record<AuditPosition['order'], string> = {
  // Qualified: the bare name would sort the text alias `id` in the select list.
  id: 'audit_log.id DESC',
  time: 'audit_log.occurred_at DESC, audit_log.id DESC',
};

/**
 * One page of records, newest first, by keyset. A keyset never shifts: records appended while a
 * client pages sort above its first page, and no later page repeats or skips a record that was
 * committed when paging began.
 */
export async function listAuditPage(em: EntityManager, filter: AuditFilter, page: AuditPage): Promise<AuditRecord[]> {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    parts.push(sql);
    params.push(...values);
  };
  if (filter.subjectUserId !== undefined) add('subject_user_id = ?', filter.subjectUserId);
  if (filter.orgId !== undefined) add('org_id = ?::uuid', filter.orgId);
  if (filter.action !== undefined) add('action = ?', filter.action);
  if (filter.provider !== undefined) add('provider = ?', filter.provider);
  if (filter.occurredFrom !== undefined) add('occurred_at >= ?', filter.occurredFrom);
  if (filter.occurredBefore !== undefined) add('occurred_at < ?', filter.occurredBefore);
  if (page.after?.order !== undefined && page.after.order !== page.order) throw new RangeError('an audit position of another order');
  if (page.after?.order === 'id') add('id < ?::bigint', page.after.id);
  if (page.after?.order === 'time') add(`(occurred_at, id) < (?::timestamp AT TIME ZONE 'UTC', ?::bigint)`, page.after.occurredAtExact, page.after.id);
  const where = parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '';
  const rows = await em.execute<AuditRow[]>(
    `SELECT id::text AS id, occurred_at, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS occurred_at_exact,
            actor_id, actor_type, action, subject_user_id, provider, key_id, request_id, trace_id, ip, user_agent, details
       FROM audit_log ${where} ORDER BY ${ORDER_BY[page.order]} LIMIT ?`,
    [...params, page.limit],
  );
  return rows.map(toRecord);
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    occurredAt: row.occurred_at instanceof Date ? row.occurred_at : new Date(row.occurred_at),
    occurredAtExact: row.occurred_at_exact,
    actorId: row.actor_id,
    actorType: row.actor_type,
    action: row.action,
    subjectUserId: row.subject_user_id,
    provider: row.provider,
    keyId: row.key_id,
    requestId: row.request_id,
    traceId: row.trace_id,
    ip: row.ip,
    userAgent: row.user_agent,
    details: row.details ?? {},
  };
}
