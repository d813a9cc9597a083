import { ConnectionException } from '@mikro-orm/core';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300',
]);

/**
 * True when `test` holds for the error or one of its causes (five deep): ORM and pool errors wrap
 * the driver's, which carries the SQLSTATE.
 */
export function anyCause(error: unknown, test: (error: Error, code: string | undefined) => boolean): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (test(e, typeof code === 'string' ? code : undefined)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * True when an error means "Postgres cannot be reached right now" rather than a bug or a bad
 * query, so callers can answer 503 and retry instead of 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return anyCause(
    error,
    (e, code) =>
      e instanceof ConnectionException ||
      e.name === 'KnexTimeoutError' ||
      (code !== undefined && UNAVAILABLE_CODES.has(code)) ||
      /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(e.message),
  );
}

/**
 * SQLSTATEs Postgres raises for text it cannot take whatever the column: a NUL character in a
 * text value (22021 when bound as a parameter; 08P01 "invalid message format" when MikroORM's
 * `execute` inlines it into the statement text, which cannot carry a NUL) or a `\u0000` escape in
 * a jsonb value (22P05). Our statements contain no NUL of their own, so these come from what a
 * client sent; the connection stays usable after each.
 */
const UNSTORABLE_TEXT_CODES = new Set(['22021', '22P05', '08P01']);

/** True when an error means "the client sent text Postgres cannot store" (a 400, not a 500). */
export function isUnstorableText(error: unknown): boolean {
  return anyCause(error, (_e, code) => code !== undefined && UNSTORABLE_TEXT_CODES.has(code));
}

/**
 * True when a write named an organization that no longer exists (a foreign key to `byok_orgs`,
 * SQLSTATE 23503 on an `*_org_id_fkey`): the organization was deleted between the caller's
 * membership check and the write, which then answers like any unknown organization (404).
 */
export function isDeletedOrganization(error: unknown): boolean {
  return anyCause(error, (e, code) => code === '23503' && /_org_id_fkey\b/.test(`${(e as { constraint?: unknown }).constraint ?? ''} ${e.message}`));
}
