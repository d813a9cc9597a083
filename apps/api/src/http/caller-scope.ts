import type { FastifyRequest } from 'fastify';
import { requireAdmin } from '@byok/auth';
import { AppError } from '@byok/http';

/**
 * Route-level `onRequest` hook for admin-only routes in a group that already authenticates. It
 * runs before validation, so a user learns nothing about an admin route's parameters, only 403.
 */
export async function adminOnly(request: FastifyRequest): Promise<void> {
  requireAdmin(request.principal);
}

/**
 * Whose records a read covers. Users always read their own; naming anyone with `user` (even
 * themselves) is an admin privilege and a 403 otherwise, so a user id in a query string can never
 * widen a user's view. Admins read the named user, or everyone when `allowEveryone` and none is named.
 */
export function subjectUser(request: FastifyRequest, requested: string | undefined): string;
export function subjectUser(request: FastifyRequest, requested: string | undefined, allowEveryone: true): string | null;
export function subjectUser(request: FastifyRequest, requested: string | undefined, allowEveryone = false): string | null {
  const { principal } = request;
  if (requested === undefined) return principal.isAdmin && allowEveryone ? null : principal.userId;
  if (!principal.isAdmin) {
    throw new AppError('forbidden', 'Only administrators may name a user; leave out `user` to read your own records', {
      details: [{ path: 'querystring/user', message: 'admins only' }],
    });
  }
  return requested;
}
