import type { EntityManager } from '@mikro-orm/postgresql';
import { orgIdOfKeyOwner } from './org-membership.repository.js';
import { executePrepared } from './prepared-query.js';

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
  /**
   * The organization the change acted for. Left out, it is the organization whose key the record
   * is about when `subjectUserId` is an organization's key owner (`org:<org id>`), so every
   * writer of key records (the API, the key-test worker) files org key changes in the org's trail.
   */
  orgId?: string | null;
  /** When set, a second append with the same key is silently skipped (redelivered jobs). */
  idempotencyKey?: string;
}

type AuditColumnName = 'actor_id' | 'actor_type' | 'action' | 'subject_user_id' | 'provider' | 'key_id' | 'request_id' | 'trace_id' | 'ip' | 'user_agent' | 'org_id' | 'details' | 'idempotency_key';

/** One column of an audit record: its name, its Postgres type, and its value in an entry. */
interface AuditColumn {
  name: AuditColumnName;
  type: 'text' | 'uuid' | 'jsonb';
  value(entry: AuditEntry): string | null;
}

/**
 * The one definition of what an audit record writes, column by column. Every statement that
 * inserts records built from an `AuditEntry` (one record here, a batch of them in the key-test
 * worker's result write) derives its column list and values from it, so a new column is added once.
 */
export const AUDIT_COLUMNS: readonly AuditColumn[] = [
  { name: 'actor_id', type: 'text', value: (e) => e.actorId },
  { name: 'actor_type', type: 'text', value: (e) => e.actorType },
  { name: 'action', type: 'text', value: (e) => e.action },
  { name: 'subject_user_id', type: 'text', value: (e) => e.subjectUserId },
  { name: 'provider', type: 'text', value: (e) => e.provider ?? null },
  { name: 'key_id', type: 'uuid', value: (e) => e.keyId ?? null },
  { name: 'request_id', type: 'text', value: (e) => e.requestId ?? null },
  { name: 'trace_id', type: 'text', value: (e) => e.traceId ?? null },
  { name: 'ip', type: 'text', value: (e) => e.ip ?? null },
  { name: 'user_agent', type: 'text', value: (e) => e.userAgent?.slice(0, 512) ?? null },
  { name: 'org_id', type: 'uuid', value: (e) => e.orgId ?? orgIdOfKeyOwner(e.subjectUserId) },
  { name: 'details', type: 'jsonb', value: (e) => JSON.stringify(e.details ?? {}) },
  { name: 'idempotency_key', type: 'text', value: (e) => e.idempotencyKey ?? null },
];

const APPEND_SQL = `INSERT INTO audit_log (${AUDIT_COLUMNS.map((c) => c.name).join(', ')})
     VALUES (${AUDIT_COLUMNS.map((c, i) => `$${i + 1}::${c.type}`).join(', ')})
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING id`;

/**
 * The audit part of a statement that writes a change and its record together, so the record costs
 * no round trip of its own: `INSERT INTO audit_log … SELECT … FROM <source>`, one record per row of
 * `source` (a CTE of the change's `RETURNING` rows). Each column is the SQL expression `computed`
 * gives for it (e.g. the changed row's id), or else a parameter numbered from `firstParameter`
 * whose value `values` takes from the entry, in the same order.
 */
export function auditInsertFrom(
  source: string,
  firstParameter: number,
  computed: Partial<Record<AuditColumnName, string>>,
): { sql: string; values(entry: AuditEntry): Array<string | null> } {
  const bound = AUDIT_COLUMNS.filter((c) => computed[c.name] === undefined);
  const expressions = AUDIT_COLUMNS.map((c) => computed[c.name] ?? `$${firstParameter + bound.indexOf(c)}::${c.type}`);
  return {
    sql: `INSERT INTO audit_log (${AUDIT_COLUMNS.map((c) => c.name).join(', ')})
     SELECT ${expressions.join(', ')} FROM ${source}
     ON CONFLICT (idempotency_key) DO NOTHING`,
    values: (entry) => bound.map((c) => c.value(entry)),
  };
}

/**
 * The audit part of a statement whose records come wholly from SQL (a sweep with no caller): every
 * column's expression is given, so a column added to `AUDIT_COLUMNS` fails to compile here until the
 * statement says what it writes there.
 */
export function auditInsertSelect(source: string, expressions: Record<AuditColumnName, string>): string {
  return auditInsertFrom(source, 1, expressions).sql;
}

/**
 * Appends one record inside the caller's transaction. Returns false when an entry with the same
 * idempotency key already exists. A prepared statement: every key mutation writes one.
 */
export async function appendAudit(em: EntityManager, entry: AuditEntry): Promise<boolean> {
  const rows = await executePrepared<{ id: string }>(
    em,
    'byok_append_audit',
    APPEND_SQL,
    AUDIT_COLUMNS.map((c) => c.value(entry)),
  );
  return rows.length > 0;
}

/** The details of the record written with `idempotencyKey`, or null when there is none (a job's earlier run wrote nothing). */
export async function findAuditDetailsByIdempotencyKey(em: EntityManager, idempotencyKey: string): Promise<{ action: string; details: Record<string, unknown> } | null> {
  const rows = await em.execute<Array<{ action: string; details: Record<string, unknown> | null }>>('SELECT action, details FROM audit_log WHERE idempotency_key = ?', [idempotencyKey]);
  const row = rows[0];
  return row ? { action: row.action, details: row.details ?? {} } : null;
}
