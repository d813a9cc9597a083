import { MIN_SECRET_RUN } from '@byok/providers';
import { DELTA_TEXT } from './relayed-text.js';

const REDACTED = '[redacted]';
/** Above this length a per-block substring search beats the alternation (measured on 2 KB bodies). */
const LONG_TEXT_CHARS = 512;

/**
 * Keeps the platform key out of a 2xx answer: a hostile or broken upstream may echo the key it
 * was called with into a completion, and the client must never see it. Like the error-body
 * scrubber, it hides every run of 8+ characters of the key (`[redacted]`).
 *
 * Cheap on the hot path: any such run contains one of the key's 4-character blocks at offsets
 * 0, 4, 8, … whole, so a text that contains none of them (one regular expression of the
 * blocks, about 1 µs for a typical chunk) is passed on untouched; only a hit pays for the
 * window-by-window scan.
 */
export interface KeyEchoGuard {
  /** A whole body (a non-streamed completion). */
  body(text: string): string;
  /**
   * A scrubber for one stream's SSE text, written in order. Besides runs inside one write it
   * catches a key spelled out over several chunks' deltas: the delta text keeps a tail of the
   * last 7 characters, and a run that continues from it is hidden where it continues (the client
   * has seen at most 7 characters of it before, below the 8 that count as evidence of the key).
   */
  stream(): (sse: string) => string;
}

/** Built guards per routes entry and key, so their lifetime is the cached entry's (see `keyEchoGuardOf`). */
const builtGuards = new WeakMap<object, Map<string, KeyEchoGuard>>();

/**
 * The guard for `key`, built once per `owner` (the caller's cached routes, which hold the key
 * anyway) instead of per request: building one (the key's windows and its regular expression) cost
 * more than a request's checks. Dropped with the routes entry when its keys change.
 */
export function keyEchoGuardOf(owner: object, key: string): KeyEchoGuard {
  let byKey = builtGuards.get(owner);
  if (byKey === undefined) {
    byKey = new Map();
    builtGuards.set(owner, byKey);
  }
  let guard = byKey.get(key);
  if (guard === undefined) {
    guard = keyEchoGuard(key);
    byKey.set(key, guard);
  }
  return guard;
}

export function keyEchoGuard(key: string): KeyEchoGuard {
  const run = Math.min(MIN_SECRET_RUN, key.length);
  const windows = new Set<string>();
  for (let i = 0; i + run <= key.length; i++) windows.add(key.slice(i, i + run));
  const block = Math.max(1, Math.floor(run / 2));
  const blocks: string[] = [];
  for (let i = 0; i + block <= key.length; i += block) blocks.push(key.slice(i, i + block));
  // On a stream chunk one alternation costs about half a separate `includes` per block; on a long
  // body the native substring search per block is the faster one.
  const anyBlock = new RegExp(blocks.map((b) => b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
  const mayHoldKey = (text: string): boolean => {
    if (text.length < run) return false;
    return text.length <= LONG_TEXT_CHARS ? anyBlock.test(text) : blocks.some((b) => text.includes(b));
  };
  const scrub = (text: string): string => (mayHoldKey(text) ? redact('', text, windows, run) : text);

  return {
    body: scrub,
    stream() {
      let tail = '';
      return (sse) => {
        const whole = scrub(sse);
        // One pass over the delta fields; a new string is built only when one of them changes.
        let rebuilt = '';
        let copied = 0;
        DELTA_TEXT.lastIndex = 0;
        for (let m = DELTA_TEXT.exec(whole); m !== null; m = DELTA_TEXT.exec(whole)) {
          const text = m[1] ?? '';
          const before = tail;
          tail = (before + text).slice(-(run - 1));
          if (before === '' || !mayHoldKey(before + text)) continue;
          const cleaned = redact(before, text, windows, run);
          if (cleaned === text) continue;
          const start = m.index + m[0].length - 1 - text.length;
          rebuilt += whole.slice(copied, start) + cleaned;
          copied = start + text.length;
        }
        return copied === 0 ? whole : rebuilt + whole.slice(copied);
      };
    },
  };
}

/** `text` with every character that belongs to a key run in `prefix + text` hidden; `prefix` itself is not returned. */
function redact(prefix: string, text: string, windows: ReadonlySet<string>, run: number): string {
  const all = prefix + text;
  const hidden = new Uint8Array(all.length);
  // Any shared run of `run`+ characters is a chain of overlapping windows of the key.
  for (let i = 0; i + run <= all.length; i++) if (windows.has(all.slice(i, i + run))) hidden.fill(1, i, i + run);
  let out = '';
  for (let i = prefix.length; i < all.length; i++) {
    if (hidden[i] !== 1) out += all[i];
    else if (i === prefix.length || hidden[i - 1] !== 1) out += REDACTED;
  }
  return out;
}
