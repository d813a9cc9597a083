import type { Routes } from './cache/user-routes.js';
import type { SystemKeySet } from './cache/system-keys.js';
import { decideRoute } from './decision/decide-route.js';
import { type ModelResolver, uncachedModelResolver } from './decision/model-info.js';
import type { KeyAvailability, PlatformFallback, RouteCandidate, RouteDecision, TurnCounters } from './decision/route-decision.types.js';

type Routed = Extract<RouteDecision, { outcome: 'routed' }>;
type NotRouted = Exclude<RouteDecision, { outcome: 'routed' }>;

/**
 * A decision plus the key to call the chosen upstream with. The field is named `apiKey` so the
 * logger's redaction paths cover it should the object ever be logged; it must not be.
 */
export type ResolvedRoute = { decision: Routed; apiKey: string } | { decision: NotRouted; apiKey: null };

/** Per-request inputs of `resolveRoute` besides the user's routes. */
export interface ResolveOptions {
  /** Cool-downs and open circuits (the proxy's `@byok/key-health` tracker). */
  keyHealth?: KeyAvailability | undefined;
  /** Overrides the user's setting for this request (`x-byok-fallback: never`). */
  platformFallback?: PlatformFallback | undefined;
  /** `routes.turns`: equal-priority keys take turns. */
  turns?: TurnCounters | undefined;
  /** The attempt budget: usable candidates beyond it are not examined (`RouteInput.maxUsable`). */
  maxUsable?: number | undefined;
}

/**
 * The proxy's per-request call: decides the route for `model` from the caller's cached routes (their own, or for an org) and
 * the platform keys, and picks the chosen credential from memory (nothing is decrypted here).
 * Pass one `createModelResolver()` for the process as `models`. Failover takes the credentials of
 * the decision's fallbacks with `candidateCredential`.
 *
 * @throws Error when the chosen credential is missing, which means the cache entry and the key
 *   index disagree: a bug, not a request error.
 */
export function resolveRoute(
  routes: Routes,
  systemKeys: SystemKeySet,
  model: string,
  creditBalanceMicro: number | null,
  models: ModelResolver = uncachedModelResolver,
  options: ResolveOptions = {},
): ResolvedRoute {
  const decision = decideRoute(
    {
      model,
      userKeys: routes.keys,
      systemKeys: systemKeys.available,
      creditBalanceMicro,
      keyHealth: options.keyHealth,
      platformFallback: options.platformFallback ?? routes.platformFallback,
      turns: options.turns,
      maxUsable: options.maxUsable,
    },
    models,
  );
  if (decision.outcome !== 'routed') return { decision, apiKey: null };
  const { chosen } = decision;
  const apiKey = candidateCredential(chosen, routes, systemKeys);
  if (apiKey === undefined) throw new Error(`routing chose ${chosen.credentialSource}(${chosen.provider}) but holds no credential for it`);
  return { decision, apiKey };
}

/** The key a candidate calls its upstream with, from memory; undefined when none is held for it. */
export function candidateCredential(chosen: RouteCandidate, routes: Routes, systemKeys: SystemKeySet): string | undefined {
  if (chosen.credentialSource === 'system') return systemKeys.systemCredential(chosen.provider);
  return chosen.keyId === undefined ? undefined : routes.credentialFor(chosen.keyId);
}
