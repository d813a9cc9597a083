import { Migration } from '@mikro-orm/migrations';

/**
 * `usage_events.estimated`: the event's tokens (and charge) are the proxy's estimate, because the
 * request ended (client gone, upstream broken off) before the upstream reported its usage. A
 * constant default, so adding the column rewrites no rows; the ledger marks the same charges with
 * `details.estimated`.
 */
export class Migration20261206100000_usage_estimated extends Migration {
  override async up(): Promise<void> {
    this.addSql('ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS estimated BOOLEAN NOT NULL DEFAULT FALSE');
  }

  override async down(): Promise<void> {
    this.addSql('ALTER TABLE usage_events DROP COLUMN IF EXISTS estimated');
  }
}
