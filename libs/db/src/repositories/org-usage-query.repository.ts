import type { EntityManager } from '@mikro-orm/postgresql';
import { readRollupUsage, toUsageSums, usageSumsSql, type KeyUsage, type UsageGroup, type UsageSumsRow } from './usage-query.repository.js';

/**
 * Read side of an organization's usage: sums over `usage_org_daily`, the consumer's rollup of the
 * requests members made for the organization. Every query names the organization and a day range,
 * the first two columns of the table's primary key, so it reads only the rows it sums.
 */

/** The dimensions an organization's usage report can be grouped by; `member` is the member's user id. */
export const ORG_USAGE_GROUPINGS = ['member', 'provider', 'model', 'day'] as const;
export type OrgUsageGrouping = (typeof ORG_USAGE_GROUPINGS)[number];

export interface OrgUsageQuery {
  orgId: string;
  /** One member's rows only; null for every member's (owners and admins). */
  userId: string | null;
  /** First day, `YYYY-MM-DD` (UTC), inclusive. */
  fromDay: string;
  /** Last day, `YYYY-MM-DD` (UTC), inclusive. */
  toDay: string;
  provider?: string;
  model?: string;
}

// A closed map from grouping to SQL, so no caller-provided text ever reaches the query.
const GROUP_EXPRESSIONS: Record<OrgUsageGrouping, string> = {
  member: 'user_id',
  provider: 'provider',
  model: 'model',
  day: `to_char(day, 'YYYY-MM-DD')`,
};

// Here "BYOK" is traffic the organization's own keys paid for.
const SUMS_SQL = usageSumsSql('org_key');

/**
 * The organization's usage per group, ordered by the group's value; the `byok` sums are the
 * requests the organization's keys served (a member's own key, or the platform's, is the rest).
 */
export async function sumOrgUsageByGroup(em: EntityManager, query: OrgUsageQuery, groupBy: OrgUsageGrouping): Promise<UsageGroup[]> {
  const parts = ['org_id = ?::uuid', 'day BETWEEN ?::date AND ?::date'];
  const params: unknown[] = [query.orgId, query.fromDay, query.toDay];
  const add = (sql: string, value: unknown) => {
    parts.push(sql);
    params.push(value);
  };
  if (query.userId !== null) add('user_id = ?', query.userId);
  if (query.provider !== undefined) add('provider = ?', query.provider);
  if (query.model !== undefined) add('model = ?', query.model);
  const rows = await em.execute<Array<UsageSumsRow & { key: string }>>(
    `SELECT ${GROUP_EXPRESSIONS[groupBy]} AS key, ${SUMS_SQL} FROM usage_org_daily WHERE ${parts.join(' AND ')} GROUP BY 1 ORDER BY 1`,
    params,
  );
  return rows.map((row) => ({ key: row.key, ...toUsageSums(row) }));
}

/**
 * The traffic the organization's keys for `provider` served, by model and by day (days with
 * traffic only), and when they last served one over all time: the organization's counterpart of
 * `readKeyUsage`, in one statement.
 */
export async function readOrgKeyUsage(
  em: EntityManager,
  query: { orgId: string; provider: string; fromDay: string; toDay: string },
): Promise<Omit<KeyUsage, 'hasKey'>> {
  return readRollupUsage(em, { table: 'usage_org_daily', where: 'org_id = ?::uuid AND provider = ? AND org_key', params: [query.orgId, query.provider], byokCondition: 'org_key' }, query);
}
