import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { publishBudgetChange } from '@byok/queues';

/**
 * Announces a change of an owner's budgets to the proxies. Best effort: the change is committed
 * before it, and a lost announcement only delays when the proxies see the change, so a Redis
 * hiccup here must not turn a saved change into an error.
 */
export function createBudgetAnnouncer(deps: { redis: Redis; redisPrefix: string; logger: Logger }) {
  return async (ownerId: string): Promise<void> => {
    try {
      await publishBudgetChange(deps.redis, deps.redisPrefix, ownerId);
    } catch (err) {
      deps.logger.warn({ err, owner_id: ownerId }, 'could not announce a budget change');
    }
  };
}
