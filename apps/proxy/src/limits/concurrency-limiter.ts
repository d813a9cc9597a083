/**
 * Counts requests in flight per user and per user key in this process and refuses one that would
 * take either past its cap. Counting is per instance: N proxy instances allow up to N × cap, which
 * is what protects each instance's connection pools (the thing a hung caller exhausts).
 */
export interface ConcurrencyLimiter {
  /**
   * Takes one slot under every named id, or none: returns the release function (idempotent, and
   * callable on its own, e.g. as an event listener), or the first `Slot` that is full.
   */
  tryAcquire(slots: readonly Slot[]): { release(): void } | { full: Slot };
  /** Requests in flight under `id` of `scope`. */
  inFlight(scope: SlotScope, id: string): number;
}

/** What a slot counts: a user's requests, or those through one of their keys. */
export type SlotScope = 'user' | 'key';

/** An id within its scope and its cap; a cap of 0 means no cap (the slot is not counted). */
export interface Slot {
  scope: SlotScope;
  id: string;
  limit: number;
}

/**
 * One map per scope, keyed by the id itself: the ids are the strings of the caller and route
 * caches, whose hashes V8 keeps, where a `user:<id>` name made per request was hashed and
 * compared in full on every lookup (the limiter's release showed as ~1 % of the proxy's CPU).
 */
export function createConcurrencyLimiter(): ConcurrencyLimiter {
  const counts: Record<SlotScope, Map<string, number>> = { user: new Map(), key: new Map() };

  function leave(slots: readonly Slot[]): void {
    for (const slot of slots) {
      if (slot.limit <= 0) continue;
      const scope = counts[slot.scope];
      const left = (scope.get(slot.id) ?? 1) - 1;
      // Ids of idle callers are forgotten, so the maps hold only callers with requests in flight.
      if (left <= 0) scope.delete(slot.id);
      else scope.set(slot.id, left);
    }
  }

  return {
    tryAcquire(slots) {
      for (const slot of slots) {
        if (slot.limit > 0 && (counts[slot.scope].get(slot.id) ?? 0) >= slot.limit) return { full: slot };
      }
      for (const slot of slots) {
        if (slot.limit <= 0) continue;
        const scope = counts[slot.scope];
        scope.set(slot.id, (scope.get(slot.id) ?? 0) + 1);
      }
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          leave(slots);
        },
      };
    },
    inFlight: (scope, id) => counts[scope].get(id) ?? 0,
  };
}
