import { Migration } from '@mikro-orm/migrations';

/**
 * Budgets (issue #18): limits on requests, tokens and spend per day, week or month, in the
 * budget's time zone, for one scope (see `@byok/budgets`).
 *
 * - `owner_id`: who may change the budget — the user, or `org:<org id>` for `org` and
 *   `org_member` scopes and for budgets on an organization's key.
 * - `scope_id`: NULL for `user`; the provider id, key id, org id, or `<org id>/<user id>`.
 * - Limits are separate nullable columns (at least one set), so the proxy and the reconciler read
 *   integers, not JSON.
 * - `thresholds`: percentages notified once per period.
 * - `disabled_key_period`: set by the `disable_key` action to the period id (`YYYY-MM-DD` of the
 *   period's first day) in which it disabled the key, so the reset enables exactly the keys it
 *   disabled, and only once.
 * - `usage_events.blocked_budget_id`: set on the usage event of a request a budget refused (it
 *   reached no provider and counts toward no budget); the notifier tells the budget's owner.
 */
export class Migration2026120760000000_budgets extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE IF NOT EXISTS budgets (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id VARCHAR(255) NOT NULL,
        scope VARCHAR(12) NOT NULL CHECK (scope IN ('user', 'provider', 'key', 'org', 'org_member')),
        scope_id VARCHAR(300),
        period VARCHAR(5) NOT NULL CHECK (period IN ('day', 'week', 'month')),
        time_zone VARCHAR(64) NOT NULL DEFAULT 'UTC',
        limit_requests BIGINT CHECK (limit_requests >= 0),
        limit_tokens BIGINT CHECK (limit_tokens >= 0),
        limit_spend_micro_usd BIGINT CHECK (limit_spend_micro_usd >= 0),
        thresholds SMALLINT[] NOT NULL DEFAULT '{80,90}',
        action VARCHAR(12) NOT NULL DEFAULT 'block' CHECK (action IN ('block', 'disable_key', 'notify')),
        disabled_key_period VARCHAR(10),
        created_by VARCHAR(255) NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT budgets_some_limit CHECK (limit_requests IS NOT NULL OR limit_tokens IS NOT NULL OR limit_spend_micro_usd IS NOT NULL),
        CONSTRAINT budgets_scope_id CHECK ((scope = 'user') = (scope_id IS NULL)),
        CONSTRAINT budgets_disable_key_on_keys CHECK (action <> 'disable_key' OR scope = 'key')
      )`);
    this.addSql('CREATE UNIQUE INDEX IF NOT EXISTS budgets_identity ON budgets (owner_id, scope, COALESCE(scope_id, \'\'), period)');
    this.addSql('CREATE INDEX IF NOT EXISTS budgets_scope ON budgets (scope, scope_id)');
    this.addSql('ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS blocked_budget_id UUID');
    // The record sums of key and org budgets (user budgets use idx_usage_events_user).
    this.addSql('CREATE INDEX IF NOT EXISTS idx_usage_events_key ON usage_events (key_id, occurred_at) WHERE key_id IS NOT NULL');
    this.addSql('CREATE INDEX IF NOT EXISTS idx_usage_events_org ON usage_events (org_id, occurred_at) WHERE org_id IS NOT NULL');
  }

  override async down(): Promise<void> {
    this.addSql('DROP INDEX IF EXISTS idx_usage_events_org');
    this.addSql('DROP INDEX IF EXISTS idx_usage_events_key');
    this.addSql('ALTER TABLE usage_events DROP COLUMN IF EXISTS blocked_budget_id');
    this.addSql('DROP TABLE IF EXISTS budgets');
  }
}
