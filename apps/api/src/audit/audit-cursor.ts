import { AppError } from '@byok/http';

// Versioned so the encoding can change without old cursors being misread as new ones.
const PREFIX = 'a1:';
const ID = /^[1-9]\d{0,18}$/;
const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** The cursor after a record: opaque to clients (base64url of a versioned id). */
export function encodeAuditCursor(lastId: string): string {
  return Buffer.from(`${PREFIX}${lastId}`).toString('base64url');
}

/** The id a cursor stands for; a 400 naming `cursor` when it was not made by encodeAuditCursor. */
export function decodeAuditCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!ID.test(id) || BigInt(id) > MAX_BIGINT || encodeAuditCursor(id) !== cursor) {
    throw new AppError('validation_failed', 'querystring/cursor: is not a cursor this API issued', {
      details: [{ path: 'querystring/cursor', message: 'is not a cursor this API issued' }],
    });
  }
  return id;
}
