/** What a key's recent requests say about it, as listings show it. */
export type KeyHealthState = 'ok' | 'cooling_down' | 'circuit_open' | 'failing';

/**
 * One key's health. `cooldownUntil` is when a cool-down or an open circuit ends (null when
 * neither is in force); `failingSince` is the first of the consecutive failures not yet ended by
 * a success; `last15m` counts the attempts made with the key over the last 15 minutes (a failed
 * attempt that another key then served counts as an error of this key).
 */
export interface KeyHealth {
  state: KeyHealthState;
  cooldownUntil: Date | null;
  failingSince: Date | null;
  last15m: { requests: number; errors: number; p50LatencyMs: number | null };
}

/** Why a key must not be tried right now, and until when (epoch ms). */
export interface KeyBlock {
  reason: 'cooling_down' | 'circuit_open';
  untilMs: number;
}

/**
 * A failed attempt that says something about the key:
 * - `rate_limited`: a 429; cooled for `retryAfterMs` when the upstream said, else exponentially;
 * - `refused`: 401/403/402 (key refused, or no credit); cooled exponentially, since the same key
 *   would get the same answer until someone acts;
 * - `fault`: a 5xx, a 529, a connection failure or no answer in time; consecutive faults open
 *   the key's circuit.
 */
export type KeyFailure = { kind: 'rate_limited'; retryAfterMs?: number | undefined } | { kind: 'refused' } | { kind: 'fault' };

/** The failure policy; the defaults are the numbers (see `DEFAULT_HEALTH_POLICY`). */
export interface KeyHealthPolicy {
  /** First cool-down without a Retry-After; doubles with each consecutive one. */
  baseCooldownMs: number;
  /** Longest cool-down without a Retry-After. */
  maxCooldownMs: number;
  /** Longest cool-down a Retry-After can ask for. */
  maxRetryAfterMs: number;
  /** Consecutive faults that open the circuit. */
  circuitFaults: number;
  /** How long an open circuit keeps the key out before one request tries it (half-open). */
  circuitOpenMs: number;
  /** A half-open trial that has not reported back after this long no longer blocks others. */
  probeTimeoutMs: number;
}
