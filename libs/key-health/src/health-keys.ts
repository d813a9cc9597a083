/**
 * Redis names, all below `<prefix>:kh:`. Each key's own names share the hash tag `{<keyId>}`, so
 * a script over one key's state runs on one Redis Cluster slot.
 * - `…:{id}:s`: hash of the key's failure state (`cu` cool-down until, `cs` cool-down streak,
 *   `f` consecutive faults, `ou` circuit open until, `fs` failing since; epoch ms);
 * - `…:{id}:m:<minute>`: hash of one minute's attempts (`r`, `e`, `b<i>` latency buckets);
 * - `…:{id}:t`: the circuit round whose half-open trial is taken (`TAKE_TRIAL`), so one instance
 *   tries a recovering key;
 * - `…:blocked`: sorted set of key ids scored by when their block ends, read by a starting instance;
 * - `…:changes`: pub/sub channel; each message is one key's state (`encodeState`).
 */
export function stateKey(prefix: string, keyId: string): string {
  return `${prefix}:kh:{${keyId}}:s`;
}

export function minuteKey(prefix: string, keyId: string, minute: number): string {
  return `${prefix}:kh:{${keyId}}:m:${minute}`;
}

export function trialKey(prefix: string, keyId: string): string {
  return `${prefix}:kh:{${keyId}}:t`;
}

export function blockedSetKey(prefix: string): string {
  return `${prefix}:kh:blocked`;
}

export function changesChannel(prefix: string): string {
  return `${prefix}:kh:changes`;
}

/** One key's failure state as Redis holds it (0 = not set). */
export interface StoredKeyState {
  cooldownUntil: number;
  streak: number;
  faults: number;
  circuitUntil: number;
  failingSince: number;
}

export const CLEAR_STATE: Readonly<StoredKeyState> = Object.freeze({ cooldownUntil: 0, streak: 0, faults: 0, circuitUntil: 0, failingSince: 0 });

/** `keyId|cu|cs|f|ou|fs`, the form the scripts publish. */
export function decodeStateMessage(message: string): { keyId: string; state: StoredKeyState } | null {
  const parts = message.split('|');
  if (parts.length !== 6 || parts[0] === undefined || parts[0] === '') return null;
  const [cooldownUntil, streak, faults, circuitUntil, failingSince] = parts.slice(1).map((p) => Number(p));
  if ([cooldownUntil, streak, faults, circuitUntil, failingSince].some((n) => n === undefined || !Number.isFinite(n))) return null;
  return { keyId: parts[0], state: { cooldownUntil: cooldownUntil ?? 0, streak: streak ?? 0, faults: faults ?? 0, circuitUntil: circuitUntil ?? 0, failingSince: failingSince ?? 0 } };
}

/** A state hash as HGETALL returns it. */
export function stateFromHash(hash: Record<string, string>): StoredKeyState {
  const n = (field: string) => {
    const value = Number(hash[field] ?? 0);
    return Number.isFinite(value) ? value : 0;
  };
  return { cooldownUntil: n('cu'), streak: n('cs'), faults: n('f'), circuitUntil: n('ou'), failingSince: n('fs') };
}
