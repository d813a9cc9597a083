import { orgKeyOwner } from '@byok/auth';
import { findUserKey, readOrgKeyUsage, sumOrgUsageByGroup, type EntityManager, type OrgUsageGrouping } from '@byok/db';
import { notFound } from '@byok/http';
import { parseProvider } from '../http/provider-param.js';
import { keyName, labelOrDefault } from '../keys/key-label.js';
import { resolveDayRange } from './usage-range.js';
import { groupsWithTotals } from './usage-view.js';
import { keyFigures, toKeyUsageReport, type UsageFilter } from './usage.service.js';
import type { KeyUsageReport } from './usage.schemas.js';
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
        ...groupsWithTotals(groups),
      };
    },

    /**
     * What the organization's keys for a provider served, over all its keys for it, and in `key`
     * what the key labelled `label` (`default` when absent) answered alone, as
     * `GET /llm/byok/keys/{provider}/usage` reports a user's; 404 unless that key exists.
     */
    async orgKeyUsage(em: EntityManager, orgId: string, providerParam: string, rangeInput: { from?: string; to?: string }, labelParam?: string): Promise<KeyUsageReport> {
      const provider = parseProvider(providerParam);
      const label = labelOrDefault(labelParam);
      const range = resolveDayRange(rangeInput, deps.now());
      const key = await findUserKey(em, orgKeyOwner(orgId), provider, label);
      if (!key) throw notFound(keyName(provider, label));
      return toKeyUsageReport(provider, range, await readOrgKeyUsage(em, { orgId, provider, fromDay: range.from, toDay: range.to }), await keyFigures(em, key, range));
    },
  };
}
