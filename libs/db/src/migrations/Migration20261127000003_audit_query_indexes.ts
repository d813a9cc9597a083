import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for the admin audit query. Reads page by keyset on `id DESC`; the subject and action
 * filters already have `(column, id DESC)` indexes, this adds the provider one so an admin's
 * provider filter walks an index in page order instead of scanning the table. Partial, because
 * account-level records carry no provider.
 */
export class Migration20261127000003_audit_query_indexes extends Migration {
  override async up(): Promise<void> {
    this.addSql('CREATE INDEX IF NOT EXISTS idx_audit_log_provider ON audit_log(provider, id DESC) WHERE provider IS NOT NULL');
  }

  override async down(): Promise<void> {
    this.addSql('DROP INDEX IF EXISTS idx_audit_log_provider');
  }
}
