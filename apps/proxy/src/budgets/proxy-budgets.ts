import { budgetChangeChannel } from '@byok/queues';
import { type BudgetCounters, createBudgetCounters } from '@byok/budgets/counters';
import type { ProxySettings } from '@byok/config';
import { findBudgetsOfOwners, sumBudgetUse } from '@byok/db';
import { createRedisKeyChangeSubscription } from '@byok/routing';
import type { Logger } from '@byok/telemetry';
import type { Pricer } from '../pricing/pricer.js';
import type { ProxyDependencies } from '../services/proxy-dependencies.js';
import { type BudgetCache, createBudgetCache } from './budget-cache.js';
import { type BudgetGuard, createBudgetGuard } from './budget-guard.js';

/** Owners whose budgets one instance keeps in memory. */
const BUDGET_CACHE_OWNERS = 100_000;
/** A bound on how long a budget change goes unseen should its announcement be lost. */
const BUDGET_CACHE_TTL_MS = 60_000;

/**
 * The proxy's budget services: the cache of owners' budgets (reloaded on the budget-change
 * channel), and the guard that holds and settles requests on the shared counters in Redis (from
 * this instance's leases where it has them), seeding a period's counters from the record
 * (`sumBudgetUse`) when they are missing. `counters.close()` gives the leases back.
 */
export function createProxyBudgets(deps: ProxyDependencies, settings: ProxySettings, pricer: Pricer, logger: Logger, now: () => number): { cache: BudgetCache; guard: BudgetGuard; counters: BudgetCounters } {
  const { config } = deps;
  const cache = createBudgetCache({
    load: (ownerIds) => findBudgetsOfOwners(deps.orm.em.fork(), ownerIds),
    subscribe: createRedisKeyChangeSubscription(config.redisUrl, config.redisPrefix, {
      channel: budgetChangeChannel(config.redisPrefix),
      onError: (err) => logger.debug({ err }, 'budget-change subscription connection error'),
    }),
    ttlMs: BUDGET_CACHE_TTL_MS,
    maxOwners: BUDGET_CACHE_OWNERS,
    staleMaxMs: settings.staleMaxMs,
    onStale: (err) => logger.warn({ err }, 'budgets could not be reloaded; the last known budgets are used (stale)'),
  });
  const counters = createBudgetCounters({
    redis: deps.redis,
    prefix: config.redisPrefix,
    reservationTtlMs: settings.budgetReservationTtlMs,
    readRecord: (budget, window) => sumBudgetUse(deps.orm.em.fork(), budget, window),
    now,
    onFlushError: (err) => logger.warn({ err }, 'could not send budget settles and leases; they are sent again with the next batch'),
  });
  const guard = createBudgetGuard({ counters, pricer, defaultMaxTokens: settings.creditDefaultMaxTokens, redisDown: settings.budgetRedisDown, logger, now });
  return { cache, guard, counters };
}
