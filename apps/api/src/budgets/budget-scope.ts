import type { BudgetScope } from '@byok/budgets';
import { canManageOrg, findKeyOwnerId, findOrgMembership, type BudgetRow, type EntityManager } from '@byok/db';
import { AppError } from '@byok/http';
import { parseProvider } from '../http/provider-param.js';

/** Who owns a budget about a scope, and its scope id as stored. */
export interface ResolvedScope {
  /** The caller's user id, or `org:<org id>` for org and member scopes and org keys. */
  ownerId: string;
  scopeId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Control characters (NUL included) name nothing and cannot all be stored; refused before any lookup. */
const CONTROL = /\p{Cc}/u;
const ORG_OWNER_PREFIX = 'org:';

function invalidScopeId(message: string): AppError {
  return new AppError('validation_failed', `body/scope_id: ${message}`, { details: [{ path: 'body/scope_id', message }] });
}

/** The same answer for a key or organization that does not exist and one the caller has no part in. */
function notFoundByScopeId(what: 'Key' | 'Organization'): AppError {
  return new AppError('not_found', `${what} not found`, { details: [{ path: 'body/scope_id', message: `no such ${what.toLowerCase()} of yours` }] });
}

/**
 * Checks that `userId` may set a budget on `scope`/`scopeId` and resolves who owns it. A key or
 * organization the caller has no part in is a 404, as for one that does not exist; one they belong
 * to without managing it is a 403 (they know it exists). Bad shapes are 400s naming `body/scope_id`.
 */
export async function resolveBudgetScope(em: EntityManager, userId: string, scope: BudgetScope, scopeId: string | undefined): Promise<ResolvedScope> {
  if (scope === 'user') {
    if (scopeId !== undefined) throw invalidScopeId('must be left out for scope "user" (it counts your own requests)');
    return { ownerId: userId, scopeId: null };
  }
  if (scopeId === undefined) throw invalidScopeId(`is required for scope "${scope}"`);
  if (CONTROL.test(scopeId)) throw invalidScopeId('contains a control character');

  // `what` is what the caller named: an org key of an organization they are not in is just a key that is not theirs.
  const manageOrg = async (orgId: string, what: 'Key' | 'Organization' = 'Organization'): Promise<string> => {
    const membership = UUID.test(orgId) ? await findOrgMembership(em, orgId, userId) : null;
    if (membership === null) throw notFoundByScopeId(what);
    if (!canManageOrg(membership.role)) throw new AppError('forbidden', "Only the organization's owners and admins manage its budgets");
    return membership.orgId;
  };

  switch (scope) {
    case 'provider':
      return { ownerId: userId, scopeId: parseProvider(scopeId, 'body/scope_id') };
    case 'key': {
      const keyId = scopeId.toLowerCase();
      const owner = UUID.test(keyId) ? await findKeyOwnerId(em, keyId) : null;
      if (owner === userId) return { ownerId: userId, scopeId: keyId };
      if (owner?.startsWith(ORG_OWNER_PREFIX)) return { ownerId: `${ORG_OWNER_PREFIX}${await manageOrg(owner.slice(ORG_OWNER_PREFIX.length), 'Key')}`, scopeId: keyId };
      throw notFoundByScopeId('Key');
    }
    case 'org': {
      const orgId = await manageOrg(scopeId);
      return { ownerId: `${ORG_OWNER_PREFIX}${orgId}`, scopeId: orgId };
    }
    case 'org_member': {
      const slash = scopeId.indexOf('/');
      if (slash < 0) throw invalidScopeId('must be "<org id>/<user id>"');
      const orgId = await manageOrg(scopeId.slice(0, slash));
      const memberId = scopeId.slice(slash + 1);
      if (memberId === '' || (await findOrgMembership(em, orgId, memberId)) === null) throw invalidScopeId('names no member of the organization');
      return { ownerId: `${ORG_OWNER_PREFIX}${orgId}`, scopeId: `${orgId}/${memberId}` };
    }
  }
}

/** The organization owning a budget, or null for a user's budget. */
export function budgetOrgId(budget: Pick<BudgetRow, 'ownerId'>): string | null {
  return budget.ownerId.startsWith(ORG_OWNER_PREFIX) ? budget.ownerId.slice(ORG_OWNER_PREFIX.length) : null;
}

/** What a user may do with an existing budget. */
export type BudgetAccess = 'manage' | 'read' | 'none';

/**
 * Owners manage their budgets; an organization's owners and admins manage its budgets; a member
 * reads the `org_member` budgets about themselves. `membershipOf` is memoized by the caller when
 * it asks about many budgets.
 */
export async function budgetAccess(
  budget: Pick<BudgetRow, 'ownerId' | 'scope' | 'scopeId'>,
  userId: string,
  membershipOf: (orgId: string) => Promise<{ role: Parameters<typeof canManageOrg>[0] } | null>,
): Promise<BudgetAccess> {
  if (budget.ownerId === userId) return 'manage';
  const orgId = budgetOrgId(budget);
  if (orgId === null) return 'none';
  const membership = await membershipOf(orgId);
  if (membership === null) return 'none';
  if (canManageOrg(membership.role)) return 'manage';
  return budget.scope === 'org_member' && budget.scopeId === `${orgId}/${userId}` ? 'read' : 'none';
}
