import type { GatewayToken } from '../api/types.js';
import type { OrgView } from '../orgs/org-types.js';

/**
 * Whom a token acts for, in words. An org token whose organization is not in your list (you left
 * it, or the claim that made you a member dropped it) was revoked with the membership and stays
 * listed as revoked; one that is not (made before the API revoked them) gets 404 from the proxy:
 * you are no longer a member. A deleted organization takes its tokens with it.
 */
export function tokenActsFor(token: Pick<GatewayToken, 'org_id'>, orgs: readonly OrgView[] | null): { label: string; stale: boolean } {
  if (token.org_id === null) return { label: 'You (personal)', stale: false };
  const org = orgs?.find((o) => o.id === token.org_id);
  if (org) return { label: org.name, stale: false };
  // Without the list (still loading, or the API did not answer it) nothing is known about the membership.
  if (orgs === null) return { label: 'An organization', stale: false };
  return { label: 'An organization you are no longer in', stale: true };
}
