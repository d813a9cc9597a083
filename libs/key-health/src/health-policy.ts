import type { KeyFailure, KeyHealthPolicy } from './key-health.types.js';

/** Issue #14's numbers: 5 s doubling to 5 min, Retry-After capped at 10 min, 5 faults open the circuit for 30 s. */
export const DEFAULT_HEALTH_POLICY: Readonly<KeyHealthPolicy> = Object.freeze({
  baseCooldownMs: 5_000,
  maxCooldownMs: 300_000,
  maxRetryAfterMs: 600_000,
  circuitFaults: 5,
  circuitOpenMs: 30_000,
  probeTimeoutMs: 60_000,
});

/**
 * How long a cooling failure keeps the key out: the upstream's Retry-After (capped), else
 * `baseCooldownMs` doubled for each earlier cool-down in the same streak, up to `maxCooldownMs`.
 * `streak` counts this cool-down (1 for the first).
 */
export function cooldownMs(failure: Exclude<KeyFailure, { kind: 'fault' }>, streak: number, policy: KeyHealthPolicy): number {
  if (failure.kind === 'rate_limited' && failure.retryAfterMs !== undefined && failure.retryAfterMs >= 0) return Math.min(failure.retryAfterMs, policy.maxRetryAfterMs);
  return Math.min(policy.baseCooldownMs * 2 ** Math.max(0, Math.min(streak - 1, 30)), policy.maxCooldownMs);
}
