import type { FastifyContextConfig, FastifyRequest } from 'fastify';
import Type, { type TObject, type TProperties } from 'typebox';
import type { errorResponses } from '../http/error-responses.js';

/**
 * Whose keys a group of key routes manages: the caller's own (`/api/v1/llm/byok/keys…`) or an
 * organization's (`/api/v1/orgs/{org}/byok/keys…`). The routes and the key services are the same
 * for both; only this decides the owner id they are handed, so a user's key and an org's key go
 * through one implementation.
 */
export interface KeyOwnerScope {
  /** Path parameters the group's prefix adds (an org's `org`), declared on every route so validation and OpenAPI see them. */
  pathParams: TProperties;
  /**
   * The owner id the request acts on, or an AppError: 404 when the caller may not see the owner
   * at all, 403 when they may see it but not manage its keys. Every handler calls it first.
   */
  ownerOf(request: FastifyRequest): Promise<string>;
  /** OpenAPI tag of the group's routes. */
  tag: string;
  /** Said before every route's description: who may call it and what a refusal looks like. */
  note: string;
  /** Error statuses the scope's refusals add to every route. */
  errors: ReturnType<typeof errorResponses>;
  /** Route config every route of the group declares (an org's `orgRole`, checked by `guardOrgRoutes`). */
  routeConfig: FastifyContextConfig;
}

/** The caller's own keys: the owner is the signed-in user, and nobody is refused. */
export const CALLER_KEYS: KeyOwnerScope = {
  pathParams: {},
  ownerOf: async (request) => request.principal.userId,
  tag: 'keys',
  note: '',
  errors: {},
  routeConfig: {},
};

/**
 * A route's path parameters with the scope's in front. Typed as the route's own: a handler reads
 * only its parameters, and the scope reads its own in `ownerOf`.
 */
export function scopedParams<T extends TProperties>(scope: KeyOwnerScope, own: TObject<T>): TObject<T> {
  return Type.Object({ ...scope.pathParams, ...own.properties }) as unknown as TObject<T>;
}

/** A route's description with the scope's note in front. */
export function scopedDescription(scope: KeyOwnerScope, description: string): string {
  return scope.note === '' ? description : `${scope.note}\n\n${description}`;
}
