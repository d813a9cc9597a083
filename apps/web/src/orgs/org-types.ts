import type { UsageMetrics } from '../api/types.js';

/**
 * The organization API's shapes as the page uses them (issue #17), restated from the shared
 * design's API shapes like `api/types.ts` restates the key routes.
 */

export type OrgRole = 'owner' | 'admin' | 'member';

/** How a member's own keys mix with the org's when they act for it. */
export type MemberKeysPolicy = 'prefer' | 'allow' | 'forbid';

export type PlatformFallback = 'allow' | 'never';

export interface OrgView {
  id: string;
  name: string;
  /** The caller's role in it. */
  role: OrgRole;
  member_keys: MemberKeysPolicy;
  platform_fallback: PlatformFallback;
  created_at: string;
}

/** `PATCH /orgs/{org}`: any of these, the rest left as they are. */
export interface OrgPatch {
  name?: string;
  member_keys?: MemberKeysPolicy;
  platform_fallback?: PlatformFallback;
}

export interface OrgMember {
  user_id: string;
  role: OrgRole;
  /** `claim`: recorded from the sign-in token's org claim, not added through the API. */
  source: 'api' | 'claim';
  added_by: string | null;
  created_at: string;
}

/**
 * What a plain member may know of the org's keys, per provider it holds keys for: never a hint,
 * label or id. `status` is the best test status among the enabled keys, `disabled` when none is.
 */
export interface OrgKeySummary {
  provider: string;
  keys: number;
  enabled_keys: number;
  /** Whether routing can use one of them now (enabled and not known to be invalid). */
  usable: boolean;
  status: string;
}

export type OrgUsageGrouping = 'member' | 'provider' | 'model' | 'day';

export interface OrgUsageReport {
  /** `organization`: every member's requests (owners and admins); `member`: the caller's own. */
  scope: 'organization' | 'member';
  from: string;
  to: string;
  group_by: OrgUsageGrouping;
  groups: Array<UsageMetrics & { key: string }>;
  totals: UsageMetrics;
}
