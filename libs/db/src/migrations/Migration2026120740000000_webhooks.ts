import { Migration } from '@mikro-orm/migrations';

/**
 * Webhooks (#16): an owner's receivers and the log of every delivery made to them.
 *
 * - `webhooks.secret_encrypted` is the signing secret as a Fernet token of the configured keyring;
 *   the plaintext is shown once, at creation, and otherwise only the delivery worker opens it.
 * - `webhook_deliveries` holds one row per (webhook, event): the unique pair is what makes a
 *   notifier that enqueues the same event twice deliver it once. `body` is the exact JSON sent, so
 *   retries and redeliveries send the same bytes (receivers may compare them). Rows go with their
 *   webhook.
 */
export class Migration2026120740000000_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS webhooks (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id VARCHAR(255) NOT NULL,
      url VARCHAR(2048) NOT NULL,
      events TEXT[] NOT NULL,
      enabled BOOLEAN NOT NULL DEFAULT true,
      secret_encrypted TEXT NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    this.addSql('CREATE INDEX IF NOT EXISTS webhooks_user_idx ON webhooks (user_id, created_at)');
    this.addSql(`CREATE TABLE IF NOT EXISTS webhook_deliveries (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      webhook_id UUID NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
      event_id VARCHAR(128) NOT NULL,
      event_type VARCHAR(64) NOT NULL,
      body TEXT NOT NULL,
      status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      last_response_code INTEGER,
      last_response_excerpt VARCHAR(1024),
      last_error VARCHAR(500),
      last_attempt_at TIMESTAMPTZ,
      next_attempt_at TIMESTAMPTZ,
      retry_until TIMESTAMPTZ NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      CONSTRAINT webhook_deliveries_webhook_event_key UNIQUE (webhook_id, event_id)
    )`);
    this.addSql('CREATE INDEX IF NOT EXISTS webhook_deliveries_log_idx ON webhook_deliveries (webhook_id, created_at DESC, id DESC)');
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS webhook_deliveries');
    this.addSql('DROP TABLE IF EXISTS webhooks');
  }
}
