import { orgKeyOwner } from '@byok/auth';
import type { KeyOwnerScope } from '../keys/key-owner-scope.js';
import { ORG_ERRORS, OrgParam } from './org-access.js';

/**
 * An organization's keys (`/api/v1/orgs/{org}/byok/keys…`): stored under the owner id
 * `org:<org id>`, so the user key routes and services serve them unchanged — saves, pools, tests
 * (whose per-owner budget is then the organization's, shared by its admins), toggles, audit
 * records (filed in the org's trail by the audit repository) and the proxies' cache announcements.
 * Owners and admins only; the members' summary is the listing's (org-key-list.routes.ts).
 */
export const ORG_KEYS: KeyOwnerScope = {
  pathParams: OrgParam,
  // The org guard (guardOrgRoutes) has checked the caller's role before the handler runs.
  ownerOf: async (request) => orgKeyOwner(request.orgMembership.orgId),
  tag: 'org-keys',
  note:
    "**An organization's key** (`{org}`): owners and admins only. A member of the organization gets 403 `org_role_required`; anyone else 404 `org_not_found`. Where the text below says *your key*, it means the organization's. Test and save budgets are the organization's, shared by its admins.",
  errors: ORG_ERRORS,
  routeConfig: { orgRole: 'admin' },
};
