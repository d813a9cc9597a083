import type { KeySets, UserKeyIndex } from './route-decision.types.js';

/**
 * How a member's own keys mix with the organization's while acting for it (`byok_orgs.member_keys`;
 * the same three values as `MemberKeysPolicy` in `@byok/db`, which this pure library does not import).
 */
export type OrgMemberKeys = 'prefer' | 'allow' | 'forbid';

/**
 * The keys a member acting for an organization may use, in the order the decision walks them:
 * `prefer` the member's keys first, then the org's; `allow` the org's first, then the member's;
 * `forbid` the org's only. Each owner's keys are walked whole (its OpenRouter keys, then its keys
 * for the model's provider) before the next owner's, so "first" means first for every model.
 */
export function orgKeySets(policy: OrgMemberKeys, memberKeys: UserKeyIndex, orgKeys: UserKeyIndex): KeySets {
  const sets = policy === 'prefer' ? [memberKeys, orgKeys] : policy === 'allow' ? [orgKeys, memberKeys] : [orgKeys];
  return Object.freeze({ kind: 'key-sets', sets: Object.freeze(sets) });
}
