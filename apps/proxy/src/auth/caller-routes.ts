import type { RouteCache, Routes } from '@byok/routing';
import type { ProxyCaller } from './caller-resolver.js';
import { orgNotFound } from './org-header.js';

/**
 * The routes a caller's request uses: their own, or, acting for an organization, the org's keys
 * merged with theirs by the org's policy. A caller who is not a member of that org (any more) gets
 * 404 `org_not_found`, the same answer as for an org that does not exist.
 */
export function callerRoutes(routes: RouteCache, caller: ProxyCaller): Promise<Routes> {
  // Not async: a personal request awaits the cache's own promise, no wrapper around it.
  if (caller.orgId === undefined) return routes.get(caller.userId);
  return orgRoutes(routes, caller.userId, caller.orgId);
}

async function orgRoutes(routes: RouteCache, userId: string, orgId: string): Promise<Routes> {
  const forOrg = await routes.getForOrg(userId, orgId);
  if (forOrg === null) throw orgNotFound();
  return forOrg;
}
