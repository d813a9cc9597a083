import type { AuditPosition } from '@byok/db';
import { AppError } from '@byok/http';

// Versioned prefixes: `a1` continues an id-ordered read, `t1` a time-ordered one (a time window).
const ID_CURSOR = /^a1:([1-9]\d{0,18})$/;
const TIME_CURSOR = /^t1:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}):([1-9]\d{0,18})$/;
const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** The cursor after a record: opaque to clients (base64url of a versioned position). */
export function encodeAuditCursor(position: AuditPosition): string {
  const text = position.order === 'id' ? `a1:${position.id}` : `t1:${position.occurredAtExact}:${position.id}`;
  return Buffer.from(text).toString('base64url');
}

/**
 * The position a cursor stands for; a 400 naming `cursor` when this API did not issue it, or
 * issued it for a read in the other order (with a time window where this one has none, or the
 * reverse).
 */
export function decodeAuditCursor(cursor: string, order: AuditPosition['order']): AuditPosition {
  const position = parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!position || encodeAuditCursor(position) !== cursor) throw invalid('is not a cursor this API issued');
  if (position.order !== order) throw invalid(order === 'time' ? 'continues a read without from/to; start again without it' : 'continues a read with from/to; keep them');
  return position;
}

function parse(text: string): AuditPosition | null {
  const byId = ID_CURSOR.exec(text);
  if (byId?.[1] !== undefined) return BigInt(byId[1]) <= MAX_BIGINT ? { order: 'id', id: byId[1] } : null;
  const byTime = TIME_CURSOR.exec(text);
  if (byTime?.[1] === undefined || byTime[2] === undefined || BigInt(byTime[2]) > MAX_BIGINT) return null;
  return isRealTimestamp(byTime[1]) ? { order: 'time', occurredAtExact: byTime[1], id: byTime[2] } : null;
}

/**
 * A timestamp Postgres would refuse would otherwise surface as a 500: month 13, year 0 (Postgres
 * has none), and a day the month lacks (`2026-02-30`, which Date.parse rolls over to March 2), so
 * the time must read back unchanged.
 */
function isRealTimestamp(exact: string): boolean {
  const millis = exact.slice(0, 23);
  const time = Date.parse(`${millis}Z`);
  return !Number.isNaN(time) && !millis.startsWith('0000') && new Date(time).toISOString().slice(0, 23) === millis;
}

function invalid(message: string): AppError {
  return new AppError('validation_failed', `querystring/cursor: ${message}`, { details: [{ path: 'querystring/cursor', message }] });
}
