import { Migration } from '@mikro-orm/migrations';

/**
 * Adopts the earlier Python system's `user_provider_keys` as it is (creating it only where it
 * does not exist yet), then extends it. Every statement is idempotent so the migration applies to
 * an empty database and to one that already holds the earlier system's rows.
 */
export class Migration20261127000001_provider_keys_and_audit extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE IF NOT EXISTS user_provider_keys (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id VARCHAR(255) NOT NULL,
        provider VARCHAR(50) NOT NULL,
        api_key_encrypted TEXT NOT NULL,
        metadata JSONB DEFAULT '{}'::jsonb,
        enabled BOOLEAN DEFAULT TRUE,
        created_at TIMESTAMP DEFAULT NOW(),
        updated_at TIMESTAMP DEFAULT NOW(),
        UNIQUE(user_id, provider)
      )`);
    this.addSql('CREATE INDEX IF NOT EXISTS idx_user_provider_keys_user ON user_provider_keys(user_id)');
    this.addSql('CREATE INDEX IF NOT EXISTS idx_user_provider_keys_provider ON user_provider_keys(provider)');
    // The earlier system allowed NULLs here; the new code never writes them, and old rows get the defaults.
    this.addSql(`UPDATE user_provider_keys SET metadata = '{}'::jsonb WHERE metadata IS NULL`);
    this.addSql('UPDATE user_provider_keys SET enabled = TRUE WHERE enabled IS NULL');
    this.addSql(`
      ALTER TABLE user_provider_keys
        ADD COLUMN IF NOT EXISTS label VARCHAR(100),
        ADD COLUMN IF NOT EXISTS key_hint VARCHAR(64),
        ADD COLUMN IF NOT EXISTS key_version INTEGER NOT NULL DEFAULT 1,
        ADD COLUMN IF NOT EXISTS test_status VARCHAR(16) NOT NULL DEFAULT 'untested',
        ADD COLUMN IF NOT EXISTS last_tested_at TIMESTAMP,
        ADD COLUMN IF NOT EXISTS last_test_message TEXT,
        ADD COLUMN IF NOT EXISTS last_test_latency_ms INTEGER,
        ADD COLUMN IF NOT EXISTS binding_tag VARCHAR(64)`);
    this.addSql(`
      DO $$ BEGIN
        ALTER TABLE user_provider_keys ADD CONSTRAINT user_provider_keys_test_status_check
          CHECK (test_status IN ('untested', 'testing', 'valid', 'invalid', 'error'));
      EXCEPTION WHEN duplicate_object THEN NULL; END $$`);

    this.addSql(`
      CREATE TABLE IF NOT EXISTS audit_log (
        id BIGSERIAL PRIMARY KEY,
        occurred_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        actor_id VARCHAR(255) NOT NULL,
        actor_type VARCHAR(16) NOT NULL,
        action VARCHAR(64) NOT NULL,
        subject_user_id VARCHAR(255) NOT NULL,
        provider VARCHAR(50),
        key_id UUID,
        request_id VARCHAR(128),
        trace_id VARCHAR(32),
        ip VARCHAR(64),
        user_agent VARCHAR(512),
        details JSONB NOT NULL DEFAULT '{}'::jsonb,
        -- Set by writers that may run twice (a redelivered job): the second insert is a no-op.
        idempotency_key VARCHAR(160) UNIQUE
      )`);
    this.addSql('CREATE INDEX IF NOT EXISTS idx_audit_log_subject ON audit_log(subject_user_id, id DESC)');
    this.addSql('CREATE INDEX IF NOT EXISTS idx_audit_log_action ON audit_log(action, id DESC)');
    this.addSql('CREATE INDEX IF NOT EXISTS idx_audit_log_occurred ON audit_log(occurred_at DESC, id DESC)');
    // Append-only in the database itself, so no code path (or operator typo) can rewrite history.
    this.addSql(`
      CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    this.addSql('DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log');
    this.addSql(`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`);
    this.addSql('DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log');
    this.addSql(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS audit_log');
    this.addSql('DROP FUNCTION IF EXISTS audit_log_refuse_change()');
    this.addSql(`ALTER TABLE user_provider_keys
      DROP CONSTRAINT IF EXISTS user_provider_keys_test_status_check,
      DROP COLUMN IF EXISTS label, DROP COLUMN IF EXISTS key_hint, DROP COLUMN IF EXISTS key_version,
      DROP COLUMN IF EXISTS test_status, DROP COLUMN IF EXISTS last_tested_at, DROP COLUMN IF EXISTS last_test_message,
      DROP COLUMN IF EXISTS last_test_latency_ms, DROP COLUMN IF EXISTS binding_tag`);
  }
}
