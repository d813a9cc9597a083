import { Migration } from '@mikro-orm/migrations';

/**
 * Two additions to `user_provider_keys`, both NULL for every existing row (so the earlier system's
 * rows and readers are unaffected):
 *
 * - `admin_disabled_*`: an admin's disable, which the owner cannot lift (the owner's toggle refuses
 *   to enable while it is set); the owner's key view shows when and why.
 * - `candidate_*`: a replacement key waiting for its test (`POST /keys?test_first=true`). The
 *   current key stays in `api_key_encrypted` and keeps routing; the key-test job tests the
 *   candidate token and either swaps it in or drops it. A candidate token is a Fernet token like
 *   the current one (never plaintext), bound to the row like it.
 */
export class Migration20261206500000_admin_disable_and_key_candidate extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE user_provider_keys
      ADD COLUMN IF NOT EXISTS admin_disabled_at TIMESTAMPTZ,
      ADD COLUMN IF NOT EXISTS admin_disabled_by VARCHAR(255),
      ADD COLUMN IF NOT EXISTS admin_disabled_reason VARCHAR(500),
      ADD COLUMN IF NOT EXISTS candidate_encrypted TEXT,
      ADD COLUMN IF NOT EXISTS candidate_key_hint VARCHAR(64),
      ADD COLUMN IF NOT EXISTS candidate_binding_tag VARCHAR(64),
      ADD COLUMN IF NOT EXISTS candidate_key_fingerprint VARCHAR(16),
      ADD COLUMN IF NOT EXISTS candidate_label VARCHAR(100),
      ADD COLUMN IF NOT EXISTS candidate_metadata JSONB,
      ADD COLUMN IF NOT EXISTS candidate_staged_at TIMESTAMPTZ`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE user_provider_keys
      DROP COLUMN IF EXISTS admin_disabled_at,
      DROP COLUMN IF EXISTS admin_disabled_by,
      DROP COLUMN IF EXISTS admin_disabled_reason,
      DROP COLUMN IF EXISTS candidate_encrypted,
      DROP COLUMN IF EXISTS candidate_key_hint,
      DROP COLUMN IF EXISTS candidate_binding_tag,
      DROP COLUMN IF EXISTS candidate_key_fingerprint,
      DROP COLUMN IF EXISTS candidate_label,
      DROP COLUMN IF EXISTS candidate_metadata,
      DROP COLUMN IF EXISTS candidate_staged_at`);
  }
}
