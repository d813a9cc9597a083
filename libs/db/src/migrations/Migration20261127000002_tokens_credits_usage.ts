import { Migration } from '@mikro-orm/migrations';

/**
 * Personal gateway tokens, credits and usage. Money is stored as integer micro-units (1e-6 of a
 * credit or dollar) so sums are exact and a replayed event can be compared bit for bit.
 */
export class Migration20261127000002_tokens_credits_usage extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE IF NOT EXISTS gateway_tokens (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id VARCHAR(255) NOT NULL,
        name VARCHAR(100) NOT NULL,
        token_hash CHAR(64) NOT NULL UNIQUE,
        token_prefix VARCHAR(32) NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_used_at TIMESTAMPTZ,
        expires_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ
      )`);
    this.addSql('CREATE INDEX IF NOT EXISTS idx_gateway_tokens_user ON gateway_tokens(user_id)');

    this.addSql(`
      CREATE TABLE IF NOT EXISTS credit_accounts (
        user_id VARCHAR(255) PRIMARY KEY,
        balance_micro BIGINT NOT NULL DEFAULT 0,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    this.addSql(`
      CREATE TABLE IF NOT EXISTS credit_ledger (
        id BIGSERIAL PRIMARY KEY,
        user_id VARCHAR(255) NOT NULL,
        kind VARCHAR(16) NOT NULL CHECK (kind IN ('charge', 'grant')),
        amount_micro BIGINT NOT NULL,
        balance_after_micro BIGINT NOT NULL,
        request_id VARCHAR(128) UNIQUE,
        actor_id VARCHAR(255),
        details JSONB NOT NULL DEFAULT '{}'::jsonb,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    this.addSql('CREATE INDEX IF NOT EXISTS idx_credit_ledger_user ON credit_ledger(user_id, id DESC)');

    this.addSql(`
      CREATE TABLE IF NOT EXISTS usage_events (
        request_id VARCHAR(128) PRIMARY KEY,
        user_id VARCHAR(255) NOT NULL,
        provider VARCHAR(50) NOT NULL,
        model VARCHAR(200) NOT NULL,
        credential_source VARCHAR(24) NOT NULL,
        key_id UUID,
        status_code INTEGER NOT NULL,
        success BOOLEAN NOT NULL,
        stream BOOLEAN NOT NULL DEFAULT FALSE,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        cost_micro BIGINT NOT NULL DEFAULT 0,
        credits_micro BIGINT NOT NULL DEFAULT 0,
        latency_ms INTEGER NOT NULL DEFAULT 0,
        ttfb_ms INTEGER,
        occurred_at TIMESTAMPTZ NOT NULL
      )`);
    this.addSql('CREATE INDEX IF NOT EXISTS idx_usage_events_occurred ON usage_events(occurred_at)');
    this.addSql('CREATE INDEX IF NOT EXISTS idx_usage_events_user ON usage_events(user_id, occurred_at DESC)');
    this.addSql(`
      CREATE TABLE IF NOT EXISTS usage_daily (
        user_id VARCHAR(255) NOT NULL,
        provider VARCHAR(50) NOT NULL,
        model VARCHAR(200) NOT NULL,
        day DATE NOT NULL,
        credential_source VARCHAR(24) NOT NULL,
        calls BIGINT NOT NULL DEFAULT 0,
        errors BIGINT NOT NULL DEFAULT 0,
        prompt_tokens BIGINT NOT NULL DEFAULT 0,
        completion_tokens BIGINT NOT NULL DEFAULT 0,
        cost_micro BIGINT NOT NULL DEFAULT 0,
        credits_micro BIGINT NOT NULL DEFAULT 0,
        last_used_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (user_id, day, provider, model, credential_source)
      )`);
    this.addSql('CREATE INDEX IF NOT EXISTS idx_usage_daily_day ON usage_daily(day)');
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS usage_daily, usage_events, credit_ledger, credit_accounts, gateway_tokens');
  }
}
