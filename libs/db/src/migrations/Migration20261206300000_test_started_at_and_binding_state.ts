import { Migration } from '@mikro-orm/migrations';

/**
 * Two pieces of state the worker needs to survive faults (issues #19 and #12):
 *
 * - `user_provider_keys.test_started_at`: when the key last became `testing` (a save, a
 *   replacement, a manual re-test). A trigger stamps it, so every writer (the API's save, the
 *   worker's mark) keeps it right without knowing of it. The worker's sweep finishes keys left
 *   `testing` longer than `KEY_TEST_STUCK_AFTER_MS` (their job was lost with Redis's data, or
 *   failed for good). Rows already `testing` get their last update time.
 * - `byok_state`: one row per fact the deployment has established once and for all, e.g.
 *   `binding_backfill_completed` (the first full pass of the binding backfill, after which every row
 *   must carry a binding tag and the backfill never binds a row again, see ROTATION.md).
 */
export class Migration20261206300000_test_started_at_and_binding_state extends Migration {
  override async up(): Promise<void> {
    this.addSql('ALTER TABLE user_provider_keys ADD COLUMN IF NOT EXISTS test_started_at TIMESTAMPTZ');
    this.addSql(`UPDATE user_provider_keys SET test_started_at = COALESCE(updated_at::timestamptz, now()) WHERE test_status = 'testing' AND test_started_at IS NULL`);
    this.addSql(`
      CREATE OR REPLACE FUNCTION byok_stamp_test_started() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.test_status = 'testing' AND (TG_OP = 'INSERT' OR OLD.test_status IS DISTINCT FROM 'testing' OR OLD.key_version IS DISTINCT FROM NEW.key_version) THEN
          NEW.test_started_at := now();
        END IF;
        RETURN NEW;
      END $$`);
    this.addSql('DROP TRIGGER IF EXISTS user_provider_keys_test_started ON user_provider_keys');
    this.addSql(`CREATE TRIGGER user_provider_keys_test_started BEFORE INSERT OR UPDATE OF test_status, key_version ON user_provider_keys
      FOR EACH ROW EXECUTE FUNCTION byok_stamp_test_started()`);
    this.addSql(`CREATE INDEX IF NOT EXISTS idx_user_provider_keys_testing ON user_provider_keys(test_started_at) WHERE test_status = 'testing'`);
    this.addSql(`
      CREATE TABLE IF NOT EXISTS byok_state (
        name VARCHAR(64) PRIMARY KEY,
        value JSONB NOT NULL DEFAULT '{}'::jsonb,
        recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS byok_state');
    this.addSql('DROP INDEX IF EXISTS idx_user_provider_keys_testing');
    this.addSql('DROP TRIGGER IF EXISTS user_provider_keys_test_started ON user_provider_keys');
    this.addSql('DROP FUNCTION IF EXISTS byok_stamp_test_started()');
    this.addSql('ALTER TABLE user_provider_keys DROP COLUMN IF EXISTS test_started_at');
  }
}
