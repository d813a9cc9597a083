import { Migration } from '@mikro-orm/migrations';

/**
 * The notification pipeline (#16):
 *
 * - `notification_outbox`: one row per event, inserted in the transaction of the state change it
 *   reports, so a rolled-back change leaves no row. `dedupe_key` (type, subject, period) is unique:
 *   a second event of the same kind about the same subject within its period is dropped by the
 *   insert (`ON CONFLICT DO NOTHING`). The notifier's drainer moves undispatched rows onto the
 *   `notifications` queue and stamps `dispatched_at`.
 * - `notifications`: the in-page list. Its id is the event id, which makes the in-page delivery
 *   idempotent per event.
 * - `notification_preferences`: per user, the owner's choices that differ from the defaults.
 * - `notification_recipients`: the last email address seen in a user's verified token.
 * - `notification_emails`: one row per event to be emailed; `sent_at` is the sent marker, and a
 *   burst of pending rows of one user goes out as one digest. `failed_at` and `error` record a
 *   permanent refusal by the mail server (a bad address), after which the row is not retried.
 * - `user_provider_keys.expires_at`: when a key stops working (set by its owner), for the
 *   `key_expiring` reminders. NULL for every existing row.
 * - `user_provider_keys.key_set_at`: when the key text was last set, for the `key_rotation_due`
 *   reminders. A trigger keeps it: a new row, or a new `key_version` (every replacement bumps it;
 *   re-encrypting under a new Fernet key does not), sets it to now, so no writer can forget it.
 *   Existing rows start from `created_at` when never replaced, else from `updated_at` (the best
 *   guess the earlier columns allow).
 */
export class Migration2026120730000000_notifications extends Migration {
  override async up(): Promise<void> {
    this.addSql('ALTER TABLE user_provider_keys ADD COLUMN IF NOT EXISTS expires_at TIMESTAMPTZ');
    this.addSql('ALTER TABLE user_provider_keys ADD COLUMN IF NOT EXISTS key_set_at TIMESTAMPTZ');
    this.addSql('UPDATE user_provider_keys SET key_set_at = CASE WHEN key_version > 1 THEN updated_at ELSE created_at END WHERE key_set_at IS NULL');
    this.addSql(`CREATE OR REPLACE FUNCTION byok_track_key_set_at() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.key_version IS DISTINCT FROM OLD.key_version THEN NEW.key_set_at := now(); END IF;
        RETURN NEW;
      END $$`);
    this.addSql('DROP TRIGGER IF EXISTS byok_track_key_set_at ON user_provider_keys');
    this.addSql('CREATE TRIGGER byok_track_key_set_at BEFORE INSERT OR UPDATE OF key_version ON user_provider_keys FOR EACH ROW EXECUTE FUNCTION byok_track_key_set_at()');
    this.addSql(`CREATE TABLE IF NOT EXISTS notification_outbox (
      id UUID PRIMARY KEY,
      user_id VARCHAR(255) NOT NULL,
      type VARCHAR(40) NOT NULL,
      payload JSONB NOT NULL,
      dedupe_key VARCHAR(400) NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      dispatched_at TIMESTAMPTZ
    )`);
    this.addSql('CREATE UNIQUE INDEX IF NOT EXISTS notification_outbox_dedupe_key ON notification_outbox (dedupe_key)');
    // The drainer's scan: only the few undispatched rows are in this index.
    this.addSql('CREATE INDEX IF NOT EXISTS notification_outbox_pending ON notification_outbox (created_at, id) WHERE dispatched_at IS NULL');
    this.addSql('CREATE INDEX IF NOT EXISTS notification_outbox_dispatched ON notification_outbox (dispatched_at) WHERE dispatched_at IS NOT NULL');
    this.addSql(`CREATE TABLE IF NOT EXISTS notifications (
      id UUID PRIMARY KEY,
      user_id VARCHAR(255) NOT NULL,
      type VARCHAR(40) NOT NULL,
      title VARCHAR(200) NOT NULL,
      message TEXT NOT NULL,
      action TEXT NOT NULL,
      link VARCHAR(500) NOT NULL,
      subject JSONB NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      read_at TIMESTAMPTZ
    )`);
    this.addSql('CREATE INDEX IF NOT EXISTS notifications_user_created ON notifications (user_id, created_at DESC, id DESC)');
    this.addSql('CREATE INDEX IF NOT EXISTS notifications_user_unread ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL');
    this.addSql(`CREATE TABLE IF NOT EXISTS notification_preferences (
      user_id VARCHAR(255) PRIMARY KEY,
      channels JSONB NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE TABLE IF NOT EXISTS notification_recipients (
      user_id VARCHAR(255) PRIMARY KEY,
      email VARCHAR(320) NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE TABLE IF NOT EXISTS notification_emails (
      event_id UUID PRIMARY KEY,
      user_id VARCHAR(255) NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      sent_at TIMESTAMPTZ,
      message_id VARCHAR(200),
      failed_at TIMESTAMPTZ,
      error VARCHAR(300)
    )`);
    this.addSql('CREATE INDEX IF NOT EXISTS notification_emails_pending ON notification_emails (user_id, created_at) WHERE sent_at IS NULL AND failed_at IS NULL');
    this.addSql('CREATE INDEX IF NOT EXISTS notification_emails_sent ON notification_emails (user_id, sent_at DESC) WHERE sent_at IS NOT NULL');
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS notification_emails');
    this.addSql('DROP TABLE IF EXISTS notification_recipients');
    this.addSql('DROP TABLE IF EXISTS notification_preferences');
    this.addSql('DROP TABLE IF EXISTS notifications');
    this.addSql('DROP TABLE IF EXISTS notification_outbox');
    this.addSql('DROP TRIGGER IF EXISTS byok_track_key_set_at ON user_provider_keys');
    this.addSql('DROP FUNCTION IF EXISTS byok_track_key_set_at()');
    this.addSql('ALTER TABLE user_provider_keys DROP COLUMN IF EXISTS key_set_at, DROP COLUMN IF EXISTS expires_at');
  }
}
