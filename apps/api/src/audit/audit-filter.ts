import type { AuditFilter } from '@byok/db';
import { AppError } from '@byok/http';
import type { AuditQuery } from './audit.schemas.js';

/**
 * Turns validated query values and an already-decided subject (null = every user, admins only)
 * into a repository filter. The schema has checked the formats; this checks what spans fields.
 */
export function auditFilterFrom(query: AuditQuery, subjectUserId: string | null): AuditFilter {
  const from = query.from !== undefined ? parseInstant(query.from, 'from') : undefined;
  const to = query.to !== undefined ? parseInstant(query.to, 'to') : undefined;
  if (from && to && to.getTime() < from.getTime()) throw invalid('to', 'must not be before from');
  return {
    ...(subjectUserId !== null ? { subjectUserId } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.provider !== undefined ? { provider: query.provider } : {}),
    ...(from ? { occurredFrom: from } : {}),
    ...(to ? { occurredBefore: to } : {}),
  };
}

function parseInstant(value: string, name: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid(name, 'must be a date-time with a time zone, e.g. 2026-01-31T12:00:00Z');
  // Postgres has no year 0 and refuses such a timestamp; no record predates the Unix epoch.
  if (date.getTime() < 0) throw invalid(name, 'must be 1970-01-01T00:00:00Z or later');
  return date;
}

function invalid(name: string, message: string): AppError {
  const path = `querystring/${name}`;
  return new AppError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
}
