import { AppError } from '@byok/http';
import type { OpenAIChatRequest, ProviderId } from '@byok/providers';
import { CREDITS_COUNTER, reserve, settle } from '@byok/reservations';
import type { Logger } from '@byok/telemetry';
import type { Redis } from 'ioredis';
import type { Pricer } from '../pricing/pricer.js';
import { completionTokenCap, estimatePromptTokens } from '../pricing/token-estimate.js';
import type { CreditReservation } from './exchange.js';

/**
 * The credit check of platform-key requests, shared by every proxy instance through Redis: a
 * request reserves its estimated cost against the balance before the upstream call, so the
 * balance minus everything in flight never goes below zero, and the charge replaces the estimate
 * after the response. A settled charge keeps counting until the usage consumer has written it to
 * the ledger (and the balance caches have seen it); a reservation nobody settles lapses after
 * `ttlMs`. The balance can therefore only go below zero by what a request cost beyond its estimate.
 */
export interface CreditHolds {
  /**
   * Reserves the request's estimated cost (its prompt, and its completion cap or the configured
   * default, at the model's price) against `balanceMicro`, or throws 402 `insufficient_credits`
   * (503 `redis_unavailable` when Redis is away).
   */
  reserve(input: ReserveCreditsInput): Promise<CreditReservation>;
  /** Replaces the reservation by the request's charge; never throws (a failure is logged, the reservation lapses). */
  settle(input: { requestId: string; userId: string; chargeMicro: number }): void;
}

export interface ReserveCreditsInput {
  requestId: string;
  userId: string;
  provider: ProviderId;
  upstreamModel: string;
  request: OpenAIChatRequest;
  balanceMicro: number;
}

export interface CreditHoldsDeps {
  redis: Redis;
  prefix: string;
  ttlMs: number;
  pricer: Pricer;
  /** Completion tokens reserved for a request without `max_tokens`. */
  defaultMaxTokens: number;
  logger: Logger;
}

export function createCreditHolds(deps: CreditHoldsDeps): CreditHolds {
  const { redis, prefix, ttlMs, logger } = deps;
  return {
    async reserve({ requestId, userId, provider, upstreamModel, request, balanceMicro }) {
      const promptTokensEstimate = estimatePromptTokens(request);
      const estimateMicro = deps.pricer.costMicro(provider, upstreamModel, promptTokensEstimate, completionTokenCap(request, deps.defaultMaxTokens));
      let held: Awaited<ReturnType<typeof reserve>>;
      try {
        held = await reserve(redis, { prefix, scope: userId, id: requestId, ttlMs, counters: [{ counter: CREDITS_COUNTER, amount: estimateMicro, limit: balanceMicro }] });
      } catch (err) {
        // Without the shared count nothing stops concurrent requests overrunning the balance.
        logger.warn({ err, request_id: requestId }, 'credit reservation failed: Redis unavailable');
        throw new AppError('redis_unavailable', 'Credits cannot be checked right now; try again shortly.', { cause: err });
      }
      if (held.ok) return { promptTokensEstimate, reservedMicro: estimateMicro };
      const available = Math.max(0, balanceMicro - held.reservedTotal);
      throw new AppError(
        'insufficient_credits',
        `Insufficient credits: this request may cost up to ${estimateMicro} micro-credits and ${available} are available (lower max_tokens, wait for running requests, or add credits).`,
      );
    },
    settle({ requestId, userId, chargeMicro }) {
      settle(redis, { prefix, scope: userId, id: requestId, ttlMs, counters: [{ counter: CREDITS_COUNTER, amount: chargeMicro }] }).catch((err: unknown) => {
        logger.warn({ err, request_id: requestId }, 'could not settle a credit reservation; it lapses on its own');
      });
    },
  };
}
