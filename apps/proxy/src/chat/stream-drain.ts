import type { UpstreamAbort } from './upstream-abort.js';

/** How long and how far a stream is still read after its client left (`PROXY_STREAM_DRAIN_*`). */
export interface DrainLimits {
  maxMs: number;
  maxBytes: number;
}

/**
 * Keeps a platform-key stream reading after its client left, so its usage (which OpenAI-dialect
 * providers send in the last chunk) is still known and charged: nobody gets a free answer by
 * closing the socket just before the end. Bounded in time and bytes; past either bound the
 * upstream request is aborted, and the charge is estimated instead. Once taken over, the stream
 * — not the client's `close` — runs the side work, exactly once, when its read ends.
 */
export class StreamDrain {
  readonly #limits: DrainLimits;
  readonly #abort: UpstreamAbort;
  readonly #onEnd: () => void;
  #started = false;
  #ended = false;
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(limits: DrainLimits, abort: UpstreamAbort, onEnd: () => void) {
    this.#limits = limits;
    this.#abort = abort;
    this.#onEnd = onEnd;
  }

  /** The client left: takes over when the read still runs and the limits allow any draining. */
  start(): boolean {
    if (this.#ended || this.#limits.maxMs <= 0 || this.#limits.maxBytes <= 0) return false;
    this.#started = true;
    this.#timer = setTimeout(() => this.#abort.abort(new Error('the stream was read for its usage as long as allowed')), this.#limits.maxMs);
    this.#timer.unref();
    return true;
  }

  get started(): boolean {
    return this.#started;
  }

  /** Counts what is read after the client left; past the byte bound the upstream is aborted. */
  read(bytes: number): void {
    if (!this.#started) return;
    this.#bytes += bytes;
    if (this.#bytes > this.#limits.maxBytes) this.#abort.abort(new Error('the stream was read for its usage as far as allowed'));
  }

  /** The read ended (or failed): from now on the client's `close` runs the side work itself. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#timer);
    if (this.#started) this.#onEnd();
  }
}
