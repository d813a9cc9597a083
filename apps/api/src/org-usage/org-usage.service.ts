import { sumOrgUsageByGroup, type EntityManager, type OrgUsageGrouping } from '@byok/db';
import { resolveDayRange } from '../usage/usage-range.js';
import { addSums, toMetrics } from '../usage/usage-view.js';
import type { UsageFilter } from '../usage/usage.service.js';
import type { OrgUsageReport } from './org-usage.schemas.js';

export type OrgUsageService = ReturnType<typeof createOrgUsageService>;

/**
 * An organization's usage over `usage_org_daily`. The route decides whose rows the caller may read
 * (every member's, or only their own) and passes it as `memberId`; this service never widens it.
 */
export function createOrgUsageService(deps: { now: () => Date }) {
  return {
    async orgUsage(
      em: EntityManager,
      orgId: string,
      memberId: string | null,
      groupBy: OrgUsageGrouping,
      rangeInput: { from?: string; to?: string },
      filter: UsageFilter = {},
    ): Promise<OrgUsageReport> {
      const range = resolveDayRange(rangeInput, deps.now());
      const groups = await sumOrgUsageByGroup(em, { orgId, userId: memberId, fromDay: range.from, toDay: range.to, ...filter }, groupBy);
      return {
        org_id: orgId,
        scope: memberId === null ? 'organization' : 'member',
        from: range.from,
        to: range.to,
        group_by: groupBy,
        ...filter,
        groups: groups.map((g) => ({ key: g.key, ...toMetrics(g) })),
        totals: toMetrics(addSums(groups)),
      };
    },
  };
}
