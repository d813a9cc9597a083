/**
 * Counts requests in flight per name (a user, a key) in this process and refuses one that would
 * take a name past its cap. Counting is per instance: N proxy instances allow up to N × cap, which
 * is what protects each instance's connection pools (the thing a hung caller exhausts).
 */
export interface ConcurrencyLimiter {
  /**
   * Takes one slot under every name, or none: returns the release function (idempotent), or the
   * first `Slot` that is full.
   */
  tryAcquire(slots: readonly Slot[]): { release(): void } | { full: Slot };
  /** Requests in flight under `name`. */
  inFlight(name: string): number;
}

/** A name and its cap; a cap of 0 means no cap (the slot is not counted). */
export interface Slot {
  name: string;
  limit: number;
}

export function createConcurrencyLimiter(): ConcurrencyLimiter {
  const counts = new Map<string, number>();

  function leave(names: readonly string[]): void {
    for (const name of names) {
      const left = (counts.get(name) ?? 1) - 1;
      // Names of idle callers are forgotten, so the map holds only callers with requests in flight.
      if (left <= 0) counts.delete(name);
      else counts.set(name, left);
    }
  }

  return {
    tryAcquire(slots) {
      const counted = slots.filter((slot) => slot.limit > 0);
      const full = counted.find((slot) => (counts.get(slot.name) ?? 0) >= slot.limit);
      if (full !== undefined) return { full };
      for (const slot of counted) counts.set(slot.name, (counts.get(slot.name) ?? 0) + 1);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          leave(counted.map((slot) => slot.name));
        },
      };
    },
    inFlight: (name) => counts.get(name) ?? 0,
  };
}
