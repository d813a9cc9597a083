import { CREDITS_COUNTER, release } from '@byok/reservations';
import type { UsageEvent } from '@byok/queues';
import type { Logger } from '@byok/telemetry';
import type { Redis } from 'ioredis';

export interface CreditReleaseDeps {
  redis: Redis;
  prefix: string;
  /**
   * How long a charge keeps counting against the balance after the ledger has it: longer than the
   * proxies' balance cache (`PROXY_BALANCE_CACHE_TTL_MS`), so no proxy ever sees neither the
   * charge in its cached balance nor the reservation that stands for it.
   */
  afterMs: number;
  logger: Logger;
}

/**
 * Ends the credit reservations (`@byok/reservations`, held by the proxy) of platform-key events
 * whose charge is committed — stored now or earlier (a duplicate). Never throws: a reservation not
 * released lapses after the proxy's `PROXY_CREDIT_RESERVATION_TTL_MS`, which only makes the credit
 * check stricter meanwhile.
 */
export function createCreditRelease(deps: CreditReleaseDeps): (events: readonly UsageEvent[]) => void {
  return (events) => {
    for (const event of events) {
      if (event.credentialSource !== 'system') continue;
      release(deps.redis, { prefix: deps.prefix, scope: event.userId, id: event.requestId, counters: [CREDITS_COUNTER], afterMs: deps.afterMs }).catch((err: unknown) => {
        deps.logger.debug({ err, requestId: event.requestId }, 'could not release a credit reservation; it lapses on its own');
      });
    }
  };
}
