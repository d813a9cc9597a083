import type { AuditRecord } from '@byok/db';
import type { Principal } from '@byok/auth';
import { csvLine } from '../http/csv-writer.js';
import { AUDIT_COLUMNS, type AuditRecordView } from './audit.schemas.js';

/**
 * The API's view of a record. A user reading records about them sees another actor's (an
 * admin's) client address and user agent as null: the record is theirs, the admin's network
 * details are not.
 */
export function toAuditView(record: AuditRecord, viewer: Principal): AuditRecordView {
  const showClient = viewer.isAdmin || record.actorId === viewer.userId;
  return {
    id: record.id,
    occurred_at: record.occurredAt.toISOString(),
    actor_id: record.actorId,
    actor_type: record.actorType,
    action: record.action,
    subject_user_id: record.subjectUserId,
    provider: record.provider,
    key_id: record.keyId,
    request_id: record.requestId,
    trace_id: record.traceId,
    ip: showClient ? record.ip : null,
    user_agent: showClient ? record.userAgent : null,
    details: record.details,
  };
}

export const AUDIT_CSV_HEADER = csvLine(AUDIT_COLUMNS);

/** One CSV line for a record, `details` as JSON text. */
export function auditCsvLine(view: AuditRecordView): string {
  return csvLine(AUDIT_COLUMNS.map((column) => (column === 'details' ? JSON.stringify(view.details) : view[column])));
}

/** One JSON-lines line for a record: the same object the JSON pages hold. */
export function auditJsonLine(view: AuditRecordView): string {
  return `${JSON.stringify(view)}\n`;
}
