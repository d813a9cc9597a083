import { Migration } from '@mikro-orm/migrations';

/**
 * Notification dedupe becomes a sliding window (#16: "the same key turning invalid twice in an hour
 * notifies once"). The outbox's unique `dedupe_key` held one event per clock bucket, so 10:59 and
 * 11:01 both notified. Now:
 *
 * - `notification_dedupe`: one row per dedupe key (type, owner, subject, scope), holding when the
 *   event that notified occurred (`since`) and when its window ends (`until`). The statement that
 *   writes an event claims its key here (`claimNotificationDedupeSql`); a key whose window still
 *   runs drops the event. Rows whose window ended are pruned by the notifier.
 * - The outbox's `dedupe_key` stays as a record of the rule the event fell under, without the
 *   unique index: the same key notifies again once its window has passed.
 * - The windows of events already in the outbox are carried over (their key without the old
 *   bucket suffix, their `occurredAt` plus the period the old key named, 35 days for `once`), so
 *   the deploy does not send again what was sent just before it.
 */
export class Migration2026120890000000_notification_dedupe_window extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS notification_dedupe (
      dedupe_key VARCHAR(400) PRIMARY KEY,
      since TIMESTAMPTZ NOT NULL,
      until TIMESTAMPTZ NOT NULL
    )`);
    this.addSql('CREATE INDEX IF NOT EXISTS notification_dedupe_until ON notification_dedupe (until)');
    this.addSql(`INSERT INTO notification_dedupe (dedupe_key, since, until)
      SELECT k.dedupe_key, max(k.since), max(k.until) FROM (
        SELECT regexp_replace(dedupe_key, '(:once|:[0-9]+@-?[0-9]+)$', '') AS dedupe_key,
          (payload->>'occurredAt')::timestamptz AS since,
          (payload->>'occurredAt')::timestamptz + CASE WHEN dedupe_key LIKE '%:once' THEN interval '35 days'
            ELSE make_interval(secs => substring(dedupe_key FROM ':([0-9]+)@-?[0-9]+$')::double precision / 1000) END AS until
        FROM notification_outbox WHERE dedupe_key ~ '(:once|:[0-9]+@-?[0-9]+)$'
      ) k GROUP BY k.dedupe_key HAVING max(k.until) > now()
      ON CONFLICT (dedupe_key) DO NOTHING`);
    this.addSql('DROP INDEX IF EXISTS notification_outbox_dedupe_key');
  }

  override async down(): Promise<void> {
    // Fails when the outbox holds a key twice (a window that passed and notified again): the buckets cannot be rebuilt.
    this.addSql('CREATE UNIQUE INDEX IF NOT EXISTS notification_outbox_dedupe_key ON notification_outbox (dedupe_key)');
    this.addSql('DROP TABLE IF EXISTS notification_dedupe');
  }
}
