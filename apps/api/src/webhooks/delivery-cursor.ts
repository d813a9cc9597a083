import type { DeliveryPosition } from '@byok/notifications/webhooks';
import { AppError } from '@byok/http';

// Versioned, like the audit cursor: `d1:<created_at with microseconds>:<delivery id>`.
const CURSOR = /^d1:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The cursor after a delivery: opaque to clients (base64url of the log position). */
export function encodeDeliveryCursor(position: DeliveryPosition): string {
  return Buffer.from(`d1:${position.createdAt}:${position.id}`).toString('base64url');
}

/** The position a cursor stands for; a 400 naming `cursor` when this API did not issue it. */
export function decodeDeliveryCursor(cursor: string): DeliveryPosition {
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const createdAt = match?.[1];
  const id = match?.[2];
  // The round trip refuses a cursor with extra characters base64url decoding would ignore, and an impossible date.
  if (!createdAt || !id || encodeDeliveryCursor({ createdAt, id }) !== cursor || !isRealTime(createdAt)) {
    const message = 'is not a cursor this API issued';
    throw new AppError('validation_failed', `querystring/cursor: ${message}`, { details: [{ path: 'querystring/cursor', message }] });
  }
  return { createdAt, id };
}

/** Postgres would refuse a day the month lacks (`2026-02-30`, which Date.parse rolls over): it must read back unchanged. */
function isRealTime(exact: string): boolean {
  const millis = Date.parse(`${exact.slice(0, 23)}Z`);
  return !Number.isNaN(millis) && new Date(millis).toISOString().slice(0, 23) === exact.slice(0, 23);
}
