import { AppError } from '@byok/http';
import type { InboxCursor } from '@byok/notifications';

const CURSOR = /^n1:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The cursor after an item: opaque to clients (base64url of a versioned position). */
export function encodeNotificationCursor(position: InboxCursor): string {
  return Buffer.from(`n1:${position.createdAt}:${position.id}`).toString('base64url');
}

/** The position a cursor stands for; a 400 naming `cursor` when this API did not issue it. */
export function decodeNotificationCursor(cursor: string): InboxCursor {
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const createdAt = match?.[1];
  const id = match?.[2];
  // Round trip: rejects other spellings of the same bytes, and dates Postgres would refuse (month 13).
  if (createdAt === undefined || id === undefined || Number.isNaN(Date.parse(createdAt)) || new Date(createdAt).toISOString() !== createdAt || encodeNotificationCursor({ createdAt, id }) !== cursor) {
    throw new AppError('validation_failed', 'cursor is not a cursor this API issued', { details: [{ path: 'cursor', message: 'is not a cursor this API issued' }] });
  }
  return { createdAt, id };
}
