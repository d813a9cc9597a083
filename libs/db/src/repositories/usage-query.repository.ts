import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Read side of usage: sums over `usage_daily`, its rollup `usage_platform_daily`, or the per-key
 * `usage_key_daily` (never `usage_events`, which grows by one row per request). Every query is bounded by a day range, and per-user queries lead with `user_id` and
 * `day`, the first two columns of the table's primary key, so they read only the rows they sum.
 */

/** The dimensions a usage report can be grouped by. */
export const USAGE_GROUPINGS = ['provider', 'model', 'day', 'credential_source'] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];

/** Which credential paid for the traffic: every path, or one user key's path. */
export type UsageCredentialFilter =
  | { kind: 'any' }
  /** The user's OpenRouter key, whatever model it served. */
  | { kind: 'user_openrouter' }
  /** The user's own key for one provider (not reached through OpenRouter). */
  | { kind: 'user_provider'; provider: string };

export interface UsageQuery {
  /** Whose usage; null sums every user (admin views). */
  userId: string | null;
  /** First day, `YYYY-MM-DD` (UTC), inclusive. */
  fromDay: string;
  /** Last day, `YYYY-MM-DD` (UTC), inclusive. */
  toDay: string;
  credential: UsageCredentialFilter;
  /** Only this provider's traffic (however it was paid for). */
  provider?: string;
  /** Only this model's traffic (as sent upstream). */
  model?: string;
}

/** Sums over a set of `usage_daily` rows. Money is in integer micro-units (1e-6). */
export interface UsageSums {
  calls: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  /** Estimated provider cost in micro-dollars. */
  costMicro: number;
  /** Credits charged (system-key traffic only), in micro-credits. */
  creditsMicro: number;
  /** Calls paid by one of the user's own keys (credential source other than `system`). */
  byokCalls: number;
  /** Provider cost of those calls; what they would have cost in credits, i.e. the credits saved. */
  byokCostMicro: number;
  /** Latest request in the rows, or null when there are none. */
  lastUsedAt: Date | null;
}

export interface UsageGroup extends UsageSums {
  /** The group's value: provider id, model, `YYYY-MM-DD` day, or credential source. */
  key: string;
}

// A closed map from grouping to SQL, so no caller-provided text ever reaches the query.
const GROUP_EXPRESSIONS: Record<UsageGrouping, string> = {
  provider: 'provider',
  model: 'model',
  day: `to_char(day, 'YYYY-MM-DD')`,
  credential_source: 'credential_source',
};

/**
 * The select list of every usage sum; `byokCondition` says which rows count as paid by a key the
 * reader owns (a user's own keys here; an organization's keys in org-usage-query.repository.ts).
 */
export function usageSumsSql(byokCondition: string): string {
  return `
  coalesce(sum(calls), 0)::text AS calls,
  coalesce(sum(errors), 0)::text AS errors,
  coalesce(sum(prompt_tokens), 0)::text AS prompt_tokens,
  coalesce(sum(completion_tokens), 0)::text AS completion_tokens,
  coalesce(sum(cost_micro), 0)::text AS cost_micro,
  coalesce(sum(credits_micro), 0)::text AS credits_micro,
  coalesce(sum(calls) FILTER (WHERE ${byokCondition}), 0)::text AS byok_calls,
  coalesce(sum(cost_micro) FILTER (WHERE ${byokCondition}), 0)::text AS byok_cost_micro,
  max(last_used_at) AS last_used_at`;
}

const SUMS_SQL = usageSumsSql(`credential_source <> 'system'`);

/** A row of `usageSumsSql`'s columns, as the driver returns them. */
export interface UsageSumsRow {
  calls: string;
  errors: string;
  prompt_tokens: string;
  completion_tokens: string;
  cost_micro: string;
  credits_micro: string;
  byok_calls: string;
  byok_cost_micro: string;
  last_used_at: Date | string | null;
}

/**
 * Sums the matching rows per group, ordered by the group's value. Sums arrive as text and are
 * converted to numbers: exact while below 2^53 micro-units (about 9 billion dollars).
 */
export async function sumUsageByGroup(em: EntityManager, query: UsageQuery, groupBy: UsageGrouping): Promise<UsageGroup[]> {
  const { where, params } = whereClause(query);
  // Every user's usage, not by model: the rollup holds the same sums in a few hundred rows where
  // usage_daily holds one per user and model (180,000 for 30 days of 1,000 users).
  const table = query.userId === null && groupBy !== 'model' && query.model === undefined ? 'usage_platform_daily' : 'usage_daily';
  const rows = await em.execute<Array<UsageSumsRow & { key: string }>>(
    `SELECT ${GROUP_EXPRESSIONS[groupBy]} AS key, ${SUMS_SQL} FROM ${table} WHERE ${where} GROUP BY 1 ORDER BY 1`,
    params,
  );
  return rows.map((row) => ({ key: row.key, ...toUsageSums(row) }));
}

export interface KeyUsage {
  /** Whether the user holds a key for the provider now (the report is a 404 otherwise). */
  hasKey: boolean;
  /** Latest request the key paid for, over all time. */
  lastUsedAt: Date | null;
  byModel: UsageGroup[];
  /** Days with traffic only, oldest first. */
  byDay: UsageGroup[];
}

/**
 * Everything the key usage report needs in one statement: whether the key exists, when it was
 * last used, and the sums by model and by day (GROUPING SETS, one pass over the rows). One
 * round trip instead of four, which is most of the cost: each query here reads a few dozen
 * primary-key-ordered rows, while a round trip costs as much as the query itself.
 */
export async function readKeyUsage(em: EntityManager, query: UsageQuery & { userId: string; provider: string }): Promise<KeyUsage> {
  const { where, params } = whereClause(query);
  const credential = credentialClause(query.credential);
  const rows = await em.execute<Array<UsageSumsRow & { has_key: boolean; key_last_used_at: Date | string | null; is_day: boolean | null; key: string | null }>>(
    `SELECT k.has_key, k.key_last_used_at, g.*
       FROM (SELECT EXISTS (SELECT 1 FROM user_provider_keys WHERE user_id = ? AND provider = ?) AS has_key,
                    (SELECT max(last_used_at) FROM usage_daily
                      WHERE user_id = ? AND ${credential.where}
                        AND day = (SELECT max(day) FROM usage_daily WHERE user_id = ? AND ${credential.where})) AS key_last_used_at) AS k
       LEFT JOIN LATERAL (
         SELECT GROUPING(model) = 1 AS is_day,
                CASE WHEN GROUPING(model) = 0 THEN model ELSE ${GROUP_EXPRESSIONS.day} END AS key, ${SUMS_SQL}
           FROM usage_daily WHERE ${where} GROUP BY GROUPING SETS ((model), (day))
       ) AS g ON k.has_key
      ORDER BY g.is_day, g.key`,
    [query.userId, query.provider, query.userId, ...credential.params, query.userId, ...credential.params, ...params],
  );
  const first = rows[0];
  const groups = rows.filter((row) => row.key !== null).map((row) => ({ isDay: row.is_day === true, group: { key: row.key ?? '', ...toUsageSums(row) } }));
  return {
    hasKey: first?.has_key === true,
    lastUsedAt: toDate(first?.key_last_used_at ?? null),
    byModel: groups.filter((g) => !g.isDay).map((g) => g.group),
    byDay: groups.filter((g) => g.isDay).map((g) => g.group),
  };
}

function whereClause(query: UsageQuery): { where: string; params: unknown[] } {
  const parts = ['day BETWEEN ?::date AND ?::date'];
  const params: unknown[] = [query.fromDay, query.toDay];
  if (query.userId !== null) {
    parts.unshift('user_id = ?');
    params.unshift(query.userId);
  }
  const credential = credentialClause(query.credential);
  parts.push(credential.where);
  params.push(...credential.params);
  for (const column of ['provider', 'model'] as const) {
    const value = query[column];
    if (value === undefined) continue;
    parts.push(`${column} = ?`);
    params.push(value);
  }
  return { where: parts.join(' AND '), params };
}

function credentialClause(credential: UsageCredentialFilter): { where: string; params: unknown[] } {
  switch (credential.kind) {
    case 'any':
      return { where: 'TRUE', params: [] };
    case 'user_openrouter':
      return { where: `credential_source = 'user_openrouter'`, params: [] };
    case 'user_provider':
      return { where: `credential_source = 'user_provider' AND provider = ?`, params: [credential.provider] };
  }
}

/** A row of `usageSumsSql`'s columns as numbers. */
export function toUsageSums(row: UsageSumsRow): UsageSums {
  return {
    calls: Number(row.calls),
    errors: Number(row.errors),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    costMicro: Number(row.cost_micro),
    creditsMicro: Number(row.credits_micro),
    byokCalls: Number(row.byok_calls),
    byokCostMicro: Number(row.byok_cost_micro),
    lastUsedAt: toDate(row.last_used_at),
  };
}

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  return value instanceof Date ? value : new Date(value);
}

/**
 * A rollup's rows one report covers: the table, the condition that selects them (with `?`
 * placeholders for `params`) and which of them count as paid by a key the reader owns.
 */
export interface RollupRows {
  table: 'usage_key_daily' | 'usage_org_daily';
  where: string;
  params: unknown[];
  byokCondition: string;
}

/**
 * The rows' last use over all time, and their sums by model and by day (days with traffic only)
 * within the range, in one statement (GROUPING SETS, one pass): a key's report from its rollup.
 */
export async function readRollupUsage(em: EntityManager, rows: RollupRows, range: { fromDay: string; toDay: string }): Promise<Omit<KeyUsage, 'hasKey'>> {
  const result = await em.execute<Array<UsageSumsRow & { key_last_used_at: Date | string | null; is_day: boolean | null; key: string | null }>>(
    `SELECT k.key_last_used_at, g.*
       FROM (SELECT max(last_used_at) AS key_last_used_at FROM ${rows.table} WHERE ${rows.where}) AS k
       LEFT JOIN LATERAL (
         SELECT GROUPING(model) = 1 AS is_day,
                CASE WHEN GROUPING(model) = 0 THEN model ELSE ${GROUP_EXPRESSIONS.day} END AS key, ${usageSumsSql(rows.byokCondition)}
           FROM ${rows.table} WHERE ${rows.where} AND day BETWEEN ?::date AND ?::date
          GROUP BY GROUPING SETS ((model), (day))
       ) AS g ON TRUE
      ORDER BY g.is_day, g.key`,
    [...rows.params, ...rows.params, range.fromDay, range.toDay],
  );
  const groups = result.filter((row) => row.key !== null).map((row) => ({ isDay: row.is_day === true, group: { key: row.key ?? '', ...toUsageSums(row) } }));
  const lastUsedAt = result[0]?.key_last_used_at ?? null;
  return {
    lastUsedAt: toDate(lastUsedAt),
    byModel: groups.filter((g) => !g.isDay).map((g) => g.group),
    byDay: groups.filter((g) => g.isDay).map((g) => g.group),
  };
}

/**
 * What one key answered (`usage_key_daily`), by model and day: a request that failed over counts
 * for the key whose answer the client got. Its days start with the raw events kept when the
 * rollup was added (`USAGE_EVENTS_RETENTION_DAYS`).
 */
export async function readUsageOfKey(em: EntityManager, query: { keyId: string; fromDay: string; toDay: string }): Promise<Omit<KeyUsage, 'hasKey'>> {
  return readRollupUsage(em, { table: 'usage_key_daily', where: 'key_id = ?::uuid', params: [query.keyId], byokCondition: 'TRUE' }, query);
}
