import { CLEAR_STATE, type StoredKeyState } from './health-keys.js';
import type { KeyBlock, KeyHealthPolicy } from './key-health.types.js';

interface MirroredKey extends StoredKeyState {
  /** When this instance started a half-open trial of the key (0: none in flight). */
  probeAt: number;
}

/**
 * This instance's copy of the failure state of the keys that have any (a key without an entry is
 * healthy), so the proxy's per-request checks are Map lookups. Written by this instance's own
 * failures at once, and by every instance's through Redis messages.
 */
export class HealthMirror {
  readonly #keys = new Map<string, MirroredKey>();
  readonly #policy: KeyHealthPolicy;

  constructor(policy: KeyHealthPolicy) {
    this.#policy = policy;
  }

  get size(): number {
    return this.#keys.size;
  }

  /**
   * Replaces a key's state with what Redis holds; a clear state removes the entry. A trial this
   * instance knows of ends with a verdict: the circuit closed (faults below the threshold) or
   * opened again (a new open time).
   */
  apply(keyId: string, state: StoredKeyState): void {
    const known = this.#keys.get(keyId);
    if (isClear(state)) this.#keys.delete(keyId);
    else {
      const sameTrial = known !== undefined && state.faults >= this.#policy.circuitFaults && state.circuitUntil === known.circuitUntil;
      this.#keys.set(keyId, { ...state, probeAt: sameTrial ? known.probeAt : 0 });
    }
  }

  get(keyId: string): Readonly<StoredKeyState> {
    return this.#keys.get(keyId) ?? CLEAR_STATE;
  }

  clear(): void {
    this.#keys.clear();
  }

  /**
   * Why the key must not be tried now, or null. A circuit past its open time is half-open: the
   * key may be tried once, and while that trial runs (claimed with `claim`) it stays blocked.
   */
  blocked(keyId: string, nowMs: number): KeyBlock | null {
    const key = this.#keys.get(keyId);
    if (key === undefined) return null;
    if (key.circuitUntil > nowMs) return { reason: 'circuit_open', untilMs: key.circuitUntil };
    if (this.#trialRunning(key, nowMs)) return { reason: 'circuit_open', untilMs: key.probeAt + this.#policy.probeTimeoutMs };
    if (key.cooldownUntil > nowMs) return { reason: 'cooling_down', untilMs: key.cooldownUntil };
    return null;
  }

  /**
   * Called right before an attempt with the key: `free` to try it, `blocked`, or `trial` when it
   * is half-open, this instance now holds it as trial running (other requests here see it
   * blocked), and the caller is to take the trial across instances (`KeyHealthTracker.claim`).
   */
  claim(keyId: string, nowMs: number): 'free' | 'blocked' | 'trial' {
    const key = this.#keys.get(keyId);
    if (key === undefined) return 'free';
    if (this.blocked(keyId, nowMs) !== null) return 'blocked';
    if (key.faults < this.#policy.circuitFaults) return 'free';
    key.probeAt = nowMs;
    return 'trial';
  }

  /** Ends a half-open trial without a verdict (the attempt said nothing about the key). */
  release(keyId: string): void {
    const key = this.#keys.get(keyId);
    if (key !== undefined) key.probeAt = 0;
  }

  /** True when the key has any failure state a success must clear in Redis. */
  hasFailures(keyId: string): boolean {
    const key = this.#keys.get(keyId);
    return key !== undefined && (key.streak > 0 || key.faults > 0 || key.circuitUntil > 0 || key.failingSince > 0);
  }

  #trialRunning(key: MirroredKey, nowMs: number): boolean {
    return key.faults >= this.#policy.circuitFaults && key.probeAt > 0 && nowMs - key.probeAt < this.#policy.probeTimeoutMs;
  }
}

function isClear(state: StoredKeyState): boolean {
  return state.cooldownUntil === 0 && state.streak === 0 && state.faults === 0 && state.circuitUntil === 0 && state.failingSince === 0;
}
