import type { Budget } from '@byok/budgets';
import type { KeyChangeSubscribe } from '@byok/routing';
import { createTtlCache } from '../support/ttl-cache.js';
import { type BudgetCaller, budgetOwners } from './applying-budgets.js';

/** The budgets of each owner, in memory; reloaded when an owner's budgets change. */
export interface BudgetCache {
  /** The budgets of the caller's owners (the user, and the org it acts for). */
  forCaller(caller: BudgetCaller): Promise<Budget[]>;
  /** Subscribes to budget changes (waits for Redis to confirm). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface BudgetCacheDeps {
  /** Every budget of the owners (`findBudgetsOfOwners`). */
  load(ownerIds: readonly string[]): Promise<Budget[]>;
  /** Messages are owner ids (`publishBudgetChange`); a reconnect may have missed some. */
  subscribe: KeyChangeSubscribe;
  /** A bound on staleness should a change announcement be lost. */
  ttlMs: number;
  maxOwners: number;
  /** While Postgres cannot reload them, an owner's last known budgets serve this long after they were read (`PROXY_STALE_MAX_MS`). */
  staleMaxMs: number;
  onStale(err: unknown): void;
  now?: () => number;
}

/**
 * Budgets per owner, loaded once and reused until the owner's budgets change: the API announces
 * every change on the budget-change channel, which drops that owner's entry on every proxy; a
 * reconnect of the subscription (messages may have been missed) drops them all. Most callers
 * have no budget at all; their empty entry costs one lookup per request. While Postgres is away an
 * owner's last known budgets keep serving for `staleMaxMs`, as the routes do (a change announced
 * meanwhile drops them, and the owner's next request waits for Postgres).
 */
export function createBudgetCache(deps: BudgetCacheDeps): BudgetCache {
  const now = deps.now ?? Date.now;
  const lastKnown = new Map<string, { budgets: Budget[]; readAt: number }>();
  const remember = (ownerId: string, budgets: Budget[]): Budget[] => {
    lastKnown.delete(ownerId);
    lastKnown.set(ownerId, { budgets, readAt: now() });
    // The oldest read goes first.
    if (lastKnown.size > deps.maxOwners) lastKnown.delete(lastKnown.keys().next().value as string);
    return budgets;
  };
  const owners = createTtlCache<Budget[]>({ load: async (ownerId) => remember(ownerId, await deps.load([ownerId])), ttlMs: deps.ttlMs, maxEntries: deps.maxOwners, now });
  const budgetsOf = async (ownerId: string): Promise<Budget[]> => {
    try {
      return await owners.get(ownerId);
    } catch (err) {
      const known = lastKnown.get(ownerId);
      if (known === undefined || now() - known.readAt > deps.staleMaxMs) throw err;
      deps.onStale(err);
      return known.budgets;
    }
  };
  let unsubscribe: (() => Promise<void>) | undefined;
  return {
    async forCaller(caller) {
      const ids = budgetOwners(caller);
      if (ids.length === 1) return budgetsOf(ids[0] as string);
      return (await Promise.all(ids.map(budgetsOf))).flat();
    },
    async start() {
      unsubscribe = await deps.subscribe(
        (ownerId) => {
          owners.drop(ownerId);
          lastKnown.delete(ownerId);
        },
        // Messages may have been missed: reload everything, keeping the last known for a Postgres outage.
        () => owners.clear(),
      );
    },
    async close() {
      await unsubscribe?.();
    },
  };
}
