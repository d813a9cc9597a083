import type { ServerResponse } from 'node:http';
import { AppError } from '@byok/http';
import type { CredentialSource } from '@byok/routing';
import type { ConcurrencyLimiter, Slot } from './concurrency-limiter.js';
import type { RequestRateLimiter } from './request-rate-limiter.js';

/** What admission needs to know of a request that is about to call an upstream. */
export interface AdmissionRequest {
  userId: string;
  credentialSource: CredentialSource;
  /** The user's key, when one serves the request (platform keys are shared and not capped per key). */
  keyId: string | undefined;
}

export interface UpstreamAdmission {
  /**
   * Lets the request call its upstream or throws `rate_limited` (429 with `Retry-After`). An
   * admitted request holds its concurrency slots until `response` closes.
   */
  admit(request: AdmissionRequest, response: ServerResponse): Promise<void>;
}

export interface UpstreamAdmissionDeps {
  concurrency: ConcurrencyLimiter;
  rates: RequestRateLimiter;
  maxConcurrentPerUser: number;
  maxConcurrentPerKey: number;
}

/** A slot frees when some request of the caller ends: nothing better than "soon" is known. */
const CONCURRENCY_RETRY_AFTER_SECONDS = 1;

/**
 * The gate between the routing decision and the upstream call: a per-user (and per-user-key) cap
 * on requests in flight on this instance, so one caller's slow or hung upstream requests cannot
 * take the connection pool everyone shares, and the per-user request rate shared through Redis.
 * The cap is checked first: a refused request does not spend the caller's rate.
 */
export function createUpstreamAdmission(deps: UpstreamAdmissionDeps): UpstreamAdmission {
  return {
    async admit(request, response) {
      const slots: Slot[] = [{ scope: 'user', id: request.userId, limit: deps.maxConcurrentPerUser }];
      if (request.keyId !== undefined) slots.push({ scope: 'key', id: request.keyId, limit: deps.maxConcurrentPerKey });
      const taken = deps.concurrency.tryAcquire(slots);
      if ('full' in taken) {
        const what = taken.full.scope === 'key' ? 'with this key' : 'in flight';
        throw new AppError('rate_limited', `Too many concurrent requests ${what}: at most ${taken.full.limit}. Try again when one has finished.`, {
          headers: { 'retry-after': String(CONCURRENCY_RETRY_AFTER_SECONDS) },
        });
      }
      let verdict: Awaited<ReturnType<RequestRateLimiter['take']>>;
      try {
        verdict = await deps.rates.take(request.userId, request.credentialSource);
      } catch (error) {
        taken.release();
        throw error;
      }
      if (verdict !== undefined) {
        taken.release();
        const through = request.credentialSource === 'system' ? 'through the platform key' : 'through your own keys';
        throw new AppError('rate_limited', `Too many requests ${through}: at most ${verdict.limitPerMinute} per minute. Try again in ${verdict.retryAfterSeconds} s.`, {
          headers: { 'retry-after': String(verdict.retryAfterSeconds) },
        });
      }
      if (response.closed) taken.release();
      else response.once('close', taken.release);
    },
  };
}
