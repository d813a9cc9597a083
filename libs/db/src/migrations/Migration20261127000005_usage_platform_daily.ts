import { Migration } from '@mikro-orm/migrations';

/**
 * `usage_platform_daily`: `usage_daily` summed over users and models, one row per (day, provider,
 * credential source). The admin's platform report read 180,000 `usage_daily` rows for 30 days
 * (~250 ms); it now reads at most a few hundred. The consumer adds to it in the same transaction
 * as `usage_daily`. The backfill holds a SHARE lock on `usage_daily`, so no consumer writes
 * between the sums and the commit; consumers of an older version must be stopped before this runs
 * (their events wait in the queue), or their increments would miss the rollup.
 */
export class Migration20261127000005_usage_platform_daily extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE IF NOT EXISTS usage_platform_daily (
        day DATE NOT NULL,
        provider VARCHAR(50) NOT NULL,
        credential_source VARCHAR(24) NOT NULL,
        calls BIGINT NOT NULL DEFAULT 0,
        errors BIGINT NOT NULL DEFAULT 0,
        prompt_tokens BIGINT NOT NULL DEFAULT 0,
        completion_tokens BIGINT NOT NULL DEFAULT 0,
        cost_micro BIGINT NOT NULL DEFAULT 0,
        credits_micro BIGINT NOT NULL DEFAULT 0,
        last_used_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (day, provider, credential_source)
      )`);
    this.addSql('LOCK TABLE usage_daily IN SHARE MODE');
    this.addSql(`
      INSERT INTO usage_platform_daily (day, provider, credential_source, calls, errors, prompt_tokens, completion_tokens, cost_micro, credits_micro, last_used_at)
      SELECT day, provider, credential_source, sum(calls), sum(errors), sum(prompt_tokens), sum(completion_tokens), sum(cost_micro), sum(credits_micro), max(last_used_at)
      FROM usage_daily GROUP BY day, provider, credential_source
      ON CONFLICT (day, provider, credential_source) DO NOTHING`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS usage_platform_daily');
  }
}
