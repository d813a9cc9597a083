import type { EntityManager } from '@mikro-orm/postgresql';
import type { ActorType } from './audit-log.repository.js';

/** One `audit_log` row as read back. `id` is a decimal string (BIGSERIAL exceeds JS integers in principle). */
export interface AuditRecord {
  id: string;
  occurredAt: Date;
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
  action?: string;
  provider?: string;
  /** occurred_at >= this. */
  occurredFrom?: Date;
  /** occurred_at < this. */
  occurredBefore?: Date;
}

export interface AuditPage {
  /** Keyset: only records with an id below this one (the last id of the previous page). */
  beforeId?: string;
  limit: number;
}

interface AuditRow {
  id: string;
  occurred_at: Date | string;
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

/**
 * One page of records, newest first, by keyset on `id DESC`. A keyset never shifts: records
 * inserted while a client pages get higher ids and appear above its first page, and no later
 * page repeats or skips a record that existed when paging began. The (subject_user_id, id DESC),
 * (action, id DESC) and (provider, id DESC) indexes serve the filtered reads in id order.
 */
export async function listAuditPage(em: EntityManager, filter: AuditFilter, page: AuditPage): Promise<AuditRecord[]> {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    parts.push(sql);
    params.push(value);
  };
  if (filter.subjectUserId !== undefined) add('subject_user_id = ?', filter.subjectUserId);
  if (filter.action !== undefined) add('action = ?', filter.action);
  if (filter.provider !== undefined) add('provider = ?', filter.provider);
  if (filter.occurredFrom !== undefined) add('occurred_at >= ?', filter.occurredFrom);
  if (filter.occurredBefore !== undefined) add('occurred_at < ?', filter.occurredBefore);
  if (page.beforeId !== undefined) add('id < ?::bigint', page.beforeId);
  const where = parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '';
  // Ordered by the table's bigint column, qualified: the bare name would sort the text alias.
  const rows = await em.execute<AuditRow[]>(
    `SELECT id::text AS id, occurred_at, actor_id, actor_type, action, subject_user_id, provider, key_id, request_id,
            trace_id, ip, user_agent, details
       FROM audit_log ${where} ORDER BY audit_log.id DESC LIMIT ?`,
    [...params, page.limit],
  );
  return rows.map(toRecord);
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    occurredAt: row.occurred_at instanceof Date ? row.occurred_at : new Date(row.occurred_at),
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
