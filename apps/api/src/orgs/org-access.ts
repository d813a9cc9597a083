import type { FastifyInstance, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import { findOrgMembership, type OrgMembership, type OrgRole } from '@byok/db';
import { AppError, orgNotFound } from '@byok/http';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role in the organization `:org` a caller needs for the route (see `guardOrgRoutes`). */
    orgRole?: OrgRole;
    /** A path parameter naming a user: a member naming themselves needs only membership (leaving the org). */
    orgSelfParam?: string;
  }
  interface FastifyRequest {
    /** The caller's membership of the route's `:org`, set by the org guard before validation. */
    orgMembership: OrgMembership;
  }
}

const RANK: Record<OrgRole, number> = { member: 0, admin: 1, owner: 2 };

/** Whether `role` is `least` or above it (owner > admin > member). */
export function hasOrgRole(role: OrgRole, least: OrgRole): boolean {
  return RANK[role] >= RANK[least];
}

/** 403 for a member whose role is below what the action needs; the body names the role needed. */
export function orgRoleRequired(least: OrgRole, what: string): AppError {
  return new AppError('org_role_required', `Only the organization's ${least === 'owner' ? 'owners' : 'owners and admins'} may ${what}`);
}

/**
 * Resolves the caller's membership of `:org` and checks the route's declared `orgRole`. Runs
 * before validation: a non-member gets 404 `org_not_found` (as for an organization that does not
 * exist, so existence does not leak) and a member below the role 403 `org_role_required`, whatever
 * else the request says.
 */
async function requireOrgRole(request: FastifyRequest): Promise<void> {
  const { orgRole, orgSelfParam } = request.routeOptions.config;
  if (orgRole === undefined) throw new Error(`${request.routeOptions.url} is an organization route without an orgRole`);
  const params = request.params as Record<string, string | undefined>;
  const membership = await findOrgMembership(request.em, params.org ?? '', request.principal.userId);
  if (membership === null) throw orgNotFound();
  const naming = orgSelfParam === undefined ? undefined : params[orgSelfParam];
  if (naming !== request.principal.userId && !hasOrgRole(membership.role, orgRole)) throw orgRoleRequired(orgRole, 'do this');
  request.orgMembership = membership;
}

function hooksOf(hooks: RouteOptions['onRequest']): onRequestHookHandler[] {
  if (hooks === undefined) return [];
  return (Array.isArray(hooks) ? hooks : [hooks]) as onRequestHookHandler[];
}

/**
 * Guards every route of this plugin whose path has an `:org` parameter: each must declare
 * `config.orgRole` (registration fails otherwise, so no organization route can forget it), and
 * the membership check runs after the group's authentication. Call before declaring the routes.
 */
export function guardOrgRoutes(app: FastifyInstance): void {
  app.decorateRequest('orgMembership', undefined as unknown as OrgMembership);
  app.addHook('onRoute', (route) => {
    if (!/\/:org(\/|$)/.test(route.url)) return;
    if (route.config?.orgRole === undefined) throw new Error(`${route.method} ${route.url} must declare config.orgRole`);
    route.onRequest = [...hooksOf(route.onRequest), requireOrgRole];
  });
}
