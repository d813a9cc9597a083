import type { Redis } from 'ioredis';

/** The channel on which a change of an owner's budgets is announced (message: the owner id, a user id or `org:<org id>`). */
export function budgetChangeChannel(prefix: string): string {
  return `${prefix}:budget-changes`;
}

/** Tells every proxy that `ownerId`'s budgets changed, so they reload them before the next request. */
export async function publishBudgetChange(redis: Redis, prefix: string, ownerId: string): Promise<void> {
  await redis.publish(budgetChangeChannel(prefix), ownerId);
}
