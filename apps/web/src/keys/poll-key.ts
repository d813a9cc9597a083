import type { KeyView } from '../api/types.js';

export interface PollOptions {
  /** First wait; each later wait is 1.5 times longer, up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Give up after this long and return the last answer (still `testing`). */
  timeoutMs?: number;
  signal?: AbortSignal;
  onUpdate?: (key: KeyView) => void;
}

/**
 * Reads a key until its status is no longer `testing`. The worker usually answers within a
 * second; the backoff keeps a slow provider from turning into a stream of requests.
 */
export async function pollUntilSettled(read: () => Promise<KeyView>, options: PollOptions = {}): Promise<KeyView> {
  const { maxIntervalMs = 3000, timeoutMs = 60_000, signal, onUpdate } = options;
  let interval = options.intervalMs ?? 400;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const key = await read();
    onUpdate?.(key);
    if (key.status !== 'testing' || Date.now() >= deadline || signal?.aborted) return key;
    await sleep(interval, signal);
    interval = Math.min(maxIntervalMs, interval * 1.5);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
