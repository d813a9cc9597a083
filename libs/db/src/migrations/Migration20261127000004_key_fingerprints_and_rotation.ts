import { Migration } from '@mikro-orm/migrations';

/**
 * Encryption-key rotation. `key_fingerprint` names the key that encrypted each token (see
 * `keyFingerprint` in libs/crypto), so "which rows need which key" is a GROUP BY rather than a
 * decrypt of every row; NULL means not recorded yet (rows of the earlier system, or writers that do
 * not know the key). `encryption_rotations` keeps one rotation's keyset cursor and counts per
 * target key, committed with each batch, so a rotation cut off by a crash resumes where it stopped.
 */
export class Migration20261127000004_key_fingerprints_and_rotation extends Migration {
  override async up(): Promise<void> {
    this.addSql('ALTER TABLE user_provider_keys ADD COLUMN IF NOT EXISTS key_fingerprint VARCHAR(16)');
    this.addSql('CREATE INDEX IF NOT EXISTS idx_user_provider_keys_fingerprint ON user_provider_keys(key_fingerprint)');
    this.addSql(`
      CREATE TABLE IF NOT EXISTS encryption_rotations (
        target_fingerprint VARCHAR(16) PRIMARY KEY,
        cursor_id UUID,
        scanned BIGINT NOT NULL DEFAULT 0,
        rotated BIGINT NOT NULL DEFAULT 0,
        recorded BIGINT NOT NULL DEFAULT 0,
        already_current BIGINT NOT NULL DEFAULT 0,
        undecryptable BIGINT NOT NULL DEFAULT 0,
        binding_mismatch BIGINT NOT NULL DEFAULT 0,
        conflicts BIGINT NOT NULL DEFAULT 0,
        requested_by VARCHAR(255) NOT NULL,
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        finished_at TIMESTAMPTZ
      )`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS encryption_rotations');
    this.addSql('DROP INDEX IF EXISTS idx_user_provider_keys_fingerprint');
    this.addSql('ALTER TABLE user_provider_keys DROP COLUMN IF EXISTS key_fingerprint');
  }
}
