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
}

/**
 * Budgets per owner, loaded once and reused until the owner's budgets change: the API announces
 * every change on the budget-change channel, which drops that owner's entry on every proxy; a
 * reconnect of the subscription (messages may have been missed) drops them all. Most callers
 * have no budget at all; their empty entry costs one lookup per request.
 */
export function createBudgetCache(deps: BudgetCacheDeps): BudgetCache {
  const owners = createTtlCache<Budget[]>({ load: (ownerId) => deps.load([ownerId]), ttlMs: deps.ttlMs, maxEntries: deps.maxOwners });
  let unsubscribe: (() => Promise<void>) | undefined;
  return {
    async forCaller(caller) {
      const ids = budgetOwners(caller);
      if (ids.length === 1) return owners.get(ids[0] as string);
      return (await Promise.all(ids.map((id) => owners.get(id)))).flat();
    },
    async start() {
      unsubscribe = await deps.subscribe(
        (ownerId) => owners.drop(ownerId),
        () => owners.clear(),
      );
    },
    async close() {
      await unsubscribe?.();
    },
  };
}
