/**
 * The one statement that claims notification dedupe windows, for every writer of the outbox (the
 * notifications lib's `emitNotifications` and the key-test record in one statement of its own).
 * `source` is a SELECT of `(dedupe_key, since, until)`: the event's dedupe key, when it occurred,
 * and when its window ends. A key nobody holds, or whose window ended by `since`, is claimed and
 * returned; a key held by an earlier event whose window still runs is left alone and not returned,
 * and its event is not written.
 *
 * Concurrent writers stay exact: an insert that meets a row another transaction inserted or
 * claimed waits for that transaction, and then judges the row as committed (`ON CONFLICT DO
 * UPDATE` re-reads it), so of two events racing for one window only one is written, and a rolled
 * back one leaves the window free. At most one row per key in `source` (Postgres refuses to update
 * one row twice in a statement).
 */
export function claimNotificationDedupeSql(source: string): string {
  return `INSERT INTO notification_dedupe (dedupe_key, since, until) ${source}
  ON CONFLICT (dedupe_key) DO UPDATE SET since = EXCLUDED.since, until = EXCLUDED.until WHERE notification_dedupe.until <= EXCLUDED.since
  RETURNING dedupe_key`;
}
