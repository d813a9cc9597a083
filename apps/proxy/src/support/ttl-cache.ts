/**
 * A small read-through cache: each key's value is loaded once (concurrent misses share the load),
 * reused for `ttlMs`, and at most `maxEntries` are kept (the oldest insert goes first). A `drop`
 * or `clear` during a load lets that load answer its waiters but not be kept, since it may have
 * read what the drop was about. Failed loads are not cached.
 */
export interface TtlCache<V> {
  get(key: string): Promise<V>;
  /** The value kept for `key` and not yet expired, without loading; undefined when there is none. */
  peek(key: string): V | undefined;
  drop(key: string): void;
  clear(): void;
  readonly size: number;
}

export interface TtlCacheOptions<V> {
  load(key: string): Promise<V>;
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/** One load under way; its identity tells, when it ends, whether a drop overtook it. */
interface Flight<V> {
  promise: Promise<V> | null;
}

export function createTtlCache<V>(options: TtlCacheOptions<V>): TtlCache<V> {
  const maxEntries = Math.max(1, options.maxEntries);
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry<V>>();
  const flights = new Map<string, Flight<V>>();

  function remember(key: string, value: V): void {
    if (options.ttlMs <= 0) return;
    entries.delete(key);
    entries.set(key, { value, expiresAt: now() + options.ttlMs });
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done === true) break;
      entries.delete(oldest.value);
    }
  }

  async function load(key: string, flight: Flight<V>): Promise<V> {
    try {
      const value = await options.load(key);
      if (flights.get(key) === flight) remember(key, value);
      return value;
    } finally {
      if (flights.get(key) === flight) flights.delete(key);
    }
  }

  return {
    get(key) {
      const entry = entries.get(key);
      if (entry !== undefined) {
        if (now() < entry.expiresAt) return Promise.resolve(entry.value);
        entries.delete(key);
      }
      const pending = flights.get(key);
      if (pending?.promise) return pending.promise;
      const flight: Flight<V> = { promise: null };
      flights.set(key, flight);
      flight.promise = load(key, flight);
      return flight.promise;
    },
    peek(key) {
      const entry = entries.get(key);
      return entry !== undefined && now() < entry.expiresAt ? entry.value : undefined;
    },
    drop(key) {
      entries.delete(key);
      flights.delete(key);
    },
    clear() {
      entries.clear();
      flights.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
