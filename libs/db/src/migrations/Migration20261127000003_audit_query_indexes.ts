import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for the audit query, which pages by keyset on `id DESC`. The subject and action filters
 * already have `(column, id DESC)` indexes; this adds the provider one, so an admin's provider
 * filter walks an index in page order (partial: account-level records carry no provider), and
 * (subject, action, id DESC), so a user's action filter reads only the matching records instead
 * of all of the user's records to find a rare action.
 */
export class Migration20261127000003_audit_query_indexes extends Migration {
  override async up(): Promise<void> {
    this.addSql('CREATE INDEX IF NOT EXISTS idx_audit_log_provider ON audit_log(provider, id DESC) WHERE provider IS NOT NULL');
    this.addSql('CREATE INDEX IF NOT EXISTS idx_audit_log_subject_action ON audit_log(subject_user_id, action, id DESC)');
  }

  override async down(): Promise<void> {
    this.addSql('DROP INDEX IF EXISTS idx_audit_log_subject_action');
    this.addSql('DROP INDEX IF EXISTS idx_audit_log_provider');
  }
}
