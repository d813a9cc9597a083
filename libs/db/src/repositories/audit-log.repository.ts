import type { EntityManager } from '@mikro-orm/postgresql';

export type ActorType = 'user' | 'admin' | 'system';

/** What an audit record says. `details` must never hold key material. */
export interface AuditEntry {
  actorId: string;
  actorType: ActorType;
  action: string;
  subjectUserId: string;
  provider?: string | null;
  keyId?: string | null;
  requestId?: string | null;
  traceId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
  /** When set, a second append with the same key is silently skipped (redelivered jobs). */
  idempotencyKey?: string;
}

/**
 * Appends one record inside the caller's transaction. Returns false when an entry with the same
 * idempotency key already exists.
 */
export async function appendAudit(em: EntityManager, entry: AuditEntry): Promise<boolean> {
  const rows = await em.execute<{ id: string }[]>(
    `INSERT INTO audit_log (actor_id, actor_type, action, subject_user_id, provider, key_id, request_id, trace_id, ip, user_agent, details, idempotency_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING id`,
    [
      entry.actorId,
      entry.actorType,
      entry.action,
      entry.subjectUserId,
      entry.provider ?? null,
      entry.keyId ?? null,
      entry.requestId ?? null,
      entry.traceId ?? null,
      entry.ip ?? null,
      entry.userAgent?.slice(0, 512) ?? null,
      JSON.stringify(entry.details ?? {}),
      entry.idempotencyKey ?? null,
    ],
  );
  return rows.length > 0;
}

/** The details of the record written with `idempotencyKey`, or null when there is none (a job's earlier run wrote nothing). */
export async function findAuditDetailsByIdempotencyKey(em: EntityManager, idempotencyKey: string): Promise<{ action: string; details: Record<string, unknown> } | null> {
  const rows = await em.execute<Array<{ action: string; details: Record<string, unknown> | null }>>('SELECT action, details FROM audit_log WHERE idempotency_key = ?', [idempotencyKey]);
  const row = rows[0];
  return row ? { action: row.action, details: row.details ?? {} } : null;
}
