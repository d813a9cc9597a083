import { Migration } from '@mikro-orm/migrations';

/**
 * Budget alerts (issue #18): every notifier looks every 15 s for `disable_key` budgets whose key it
 * disabled in a period that has ended. Those are a handful among all budgets, so a partial index
 * holds just them and the look costs nothing however many budgets there are.
 */
export class Migration2026120870000000_budget_alerts extends Migration {
  override async up(): Promise<void> {
    this.addSql('CREATE INDEX IF NOT EXISTS budgets_disabled_key ON budgets (id) WHERE disabled_key_period IS NOT NULL');
  }

  override async down(): Promise<void> {
    this.addSql('DROP INDEX IF EXISTS budgets_disabled_key');
  }
}
