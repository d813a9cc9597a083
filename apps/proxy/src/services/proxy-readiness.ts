import type { Orm } from '@byok/db';
import { probeDependencies } from '@byok/runtime';
import Type, { type Static } from 'typebox';

export const ProxyReadinessSchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('unavailable')], {
    description: '`ready`: everything works. `degraded` (still 200): some callers are served, see `details`. `unavailable` (503): nobody can be served.',
  }),
  checks: Type.Object({ postgres: Type.Boolean(), redis: Type.Boolean() }),
  serving: Type.Object({
    cachedUsers: Type.Integer({ description: 'Users whose routes are in memory (served while Postgres is away, up to PROXY_STALE_MAX_MS).' }),
    cachedTokens: Type.Integer({ description: 'Gateway tokens whose last lookup can still be used.' }),
    usageSpilledFiles: Type.Integer({ description: 'Usage spool files owing events only on disk (sent when Redis is back).' }),
  }),
  details: Type.Array(Type.String()),
});
export type ProxyReadiness = Static<typeof ProxyReadinessSchema>;

export interface ProxyReadinessDeps {
  orm: Orm;
  redis: { ping(): Promise<unknown> };
  /** In-memory state the proxy can serve from while Postgres is away. */
  state(): { cachedUsers: number; cachedTokens: number; usageSpilledFiles: number };
}

/**
 * What this proxy can serve right now, for orchestrator probes. Postgres away with warm caches is
 * `degraded` (callers with cached routes or tokens are served, new callers and platform-key
 * balances are not); Postgres away with nothing cached is `unavailable`, since no caller could be
 * routed. Redis away is `degraded`: requests are served, usage events wait in the spool, key
 * changes reach this instance at the cache TTL instead of at once, and rate limits count per
 * instance.
 */
export async function checkProxyReadiness(deps: ProxyReadinessDeps): Promise<ProxyReadiness> {
  const probed = await probeDependencies(deps);
  const postgres = probed.postgres === 'ok';
  const redis = probed.redis === 'ok';
  const serving = deps.state();
  const details: string[] = [];
  const warm = serving.cachedUsers > 0 || serving.cachedTokens > 0;
  if (!postgres) {
    details.push(
      warm
        ? `Postgres is unreachable: ${serving.cachedUsers} users with cached routes and ${serving.cachedTokens} cached gateway tokens are served stale; other callers and platform-key balances fail with 503.`
        : 'Postgres is unreachable and nothing is cached: no caller can be routed.',
    );
  }
  if (!redis) details.push('Redis is unreachable: usage events wait in the local spool, key changes apply at the cache TTL, rate limits count per instance.');
  if (serving.usageSpilledFiles > 0) details.push(`${serving.usageSpilledFiles} usage spool files wait to be sent.`);
  const status = postgres && redis ? 'ready' : !postgres && !warm ? 'unavailable' : 'degraded';
  return { status, checks: { postgres, redis }, serving, details };
}
