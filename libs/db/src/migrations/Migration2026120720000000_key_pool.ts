import { Migration } from '@mikro-orm/migrations';

/**
 * Several keys per provider (issue #14). A key's identity becomes `(user_id, provider, label)`,
 * with labels compared ignoring case; every row stored before this migration becomes its
 * provider's `default` key with priority 1, so a user who held one key per provider keeps exactly
 * that, and a save without a label keeps replacing it.
 *
 * The free-text `label` column that existed before (an optional description shown in listings,
 * up to 100 characters, replaced by each save that sent one) is renamed to `description` and keeps
 * its text; `candidate_label`, the description of a replacement waiting for its test, becomes
 * `candidate_description`. Descriptions are not identities: two keys may share one, and a saved
 * description must never decide which row a save replaces.
 *
 * - `priority`: 1–100, lower goes first; equal priorities share the load in turn.
 * - `models`: JSON array of model names or `*` globs the key may serve; NULL = any model.
 * - `byok_user_settings`: per-user routing settings (`platform_fallback`: may the platform's own
 *   keys, charged in credits, serve a request no BYOK key can).
 *
 * The earlier Python system assumed one row per provider (its upsert named `UNIQUE(user_id,
 * provider)`, which is dropped here): it must stop writing to the table once this runs.
 */
export class Migration2026120720000000_key_pool extends Migration {
  override async up(): Promise<void> {
    this.addSql('ALTER TABLE user_provider_keys RENAME COLUMN label TO description');
    this.addSql('ALTER TABLE user_provider_keys RENAME COLUMN candidate_label TO candidate_description');
    // A constant default fills existing rows without rewriting the table.
    this.addSql(`ALTER TABLE user_provider_keys
      ADD COLUMN label VARCHAR(64) NOT NULL DEFAULT 'default',
      ADD COLUMN priority SMALLINT NOT NULL DEFAULT 1,
      ADD COLUMN models JSONB,
      ADD CONSTRAINT user_provider_keys_label_check CHECK (char_length(label) BETWEEN 1 AND 64),
      ADD CONSTRAINT user_provider_keys_priority_check CHECK (priority BETWEEN 1 AND 100),
      ADD CONSTRAINT user_provider_keys_models_check CHECK (models IS NULL OR jsonb_typeof(models) = 'array')`);
    // The earlier system's deployment named its constraint itself; it is found by its columns.
    this.addSql(`
      DO $$
      DECLARE name TEXT;
      BEGIN
        FOR name IN
          SELECT c.conname FROM pg_constraint c
          WHERE c.conrelid = 'user_provider_keys'::regclass AND c.contype = 'u'
            AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)) = ARRAY['provider', 'user_id']
        LOOP
          EXECUTE format('ALTER TABLE user_provider_keys DROP CONSTRAINT %I', name);
        END LOOP;
      END $$`);
    this.addSql('CREATE UNIQUE INDEX user_provider_keys_identity ON user_provider_keys (user_id, provider, lower(label))');
    this.addSql(`
      CREATE TABLE IF NOT EXISTS byok_user_settings (
        user_id VARCHAR(255) PRIMARY KEY,
        platform_fallback VARCHAR(8) NOT NULL DEFAULT 'allow' CHECK (platform_fallback IN ('allow', 'never')),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }

  override async down(): Promise<void> {
    // Going back to one key per provider would have to choose which keys to delete; it refuses instead.
    this.addSql(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM user_provider_keys GROUP BY user_id, provider HAVING count(*) > 1) THEN
          RAISE EXCEPTION 'some users hold several keys for a provider; delete the extra keys before reverting the key pool migration';
        END IF;
      END $$`);
    this.addSql('DROP TABLE IF EXISTS byok_user_settings');
    this.addSql('DROP INDEX IF EXISTS user_provider_keys_identity');
    this.addSql(`ALTER TABLE user_provider_keys
      DROP COLUMN label, DROP COLUMN priority, DROP COLUMN models,
      ADD CONSTRAINT user_provider_keys_user_id_provider_key UNIQUE (user_id, provider)`);
    this.addSql('ALTER TABLE user_provider_keys RENAME COLUMN description TO label');
    this.addSql('ALTER TABLE user_provider_keys RENAME COLUMN candidate_description TO candidate_label');
  }
}
