import { Migration } from '@mikro-orm/migrations';

/**
 * `usage_key_daily`: the requests each key answered, per key, UTC day and model (issue #14's
 * pools: `usage_daily` is per provider, so a key's usage report could only show the provider's
 * traffic over all the user's keys). The consumer adds to it in the same transaction as
 * `usage_daily`. The backfill reads the raw events still kept (`USAGE_EVENTS_RETENTION_DAYS`,
 * 90 by default): older days have no per-key figures. It holds a SHARE lock on `usage_events`, so
 * no consumer inserts between the sums and the commit; consumers of an older version must be
 * stopped before this runs (their events wait in the queue), or their events would miss the rollup.
 */
export class Migration2026120880000000_usage_key_daily extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE IF NOT EXISTS usage_key_daily (
        key_id UUID NOT NULL,
        day DATE NOT NULL,
        model VARCHAR(200) NOT NULL,
        calls BIGINT NOT NULL DEFAULT 0,
        errors BIGINT NOT NULL DEFAULT 0,
        prompt_tokens BIGINT NOT NULL DEFAULT 0,
        completion_tokens BIGINT NOT NULL DEFAULT 0,
        cost_micro BIGINT NOT NULL DEFAULT 0,
        credits_micro BIGINT NOT NULL DEFAULT 0,
        last_used_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (key_id, day, model)
      )`);
    this.addSql('LOCK TABLE usage_events IN SHARE MODE');
    this.addSql(`
      INSERT INTO usage_key_daily (key_id, day, model, calls, errors, prompt_tokens, completion_tokens, cost_micro, credits_micro, last_used_at)
      SELECT key_id, (occurred_at AT TIME ZONE 'UTC')::date, model, count(*), count(*) FILTER (WHERE status_code >= 400), sum(prompt_tokens), sum(completion_tokens),
             sum(cost_micro), sum(credits_micro), max(occurred_at)
      FROM usage_events WHERE key_id IS NOT NULL
      GROUP BY 1, 2, 3
      ON CONFLICT (key_id, day, model) DO NOTHING`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS usage_key_daily');
  }
}
