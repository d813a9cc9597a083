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
  readonly #active: Set<StreamDrain>;
  #started = false;
  #ended = false;
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #whenEnded: (() => void) | undefined;
  readonly #endedPromise = new Promise<void>((resolve) => {
    this.#whenEnded = resolve;
  });

  constructor(limits: DrainLimits, abort: UpstreamAbort, onEnd: () => void, active: Set<StreamDrain>) {
    this.#limits = limits;
    this.#abort = abort;
    this.#onEnd = onEnd;
    this.#active = active;
  }

  /** The client left: takes over when the read still runs and the limits allow any draining. */
  start(): boolean {
    if (this.#ended || this.#limits.maxMs <= 0 || this.#limits.maxBytes <= 0) return false;
    this.#started = true;
    this.#active.add(this);
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
    this.#active.delete(this);
    if (this.#started) this.#onEnd();
    this.#whenEnded?.();
  }

  /** Aborts the read now; resolves once the side work ran. */
  stop(): Promise<void> {
    this.#abort.abort(new Error('the process is stopping'));
    return this.#endedPromise;
  }
}

/**
 * The limits and the streams being read after their client left, per proxy. On shutdown they are
 * stopped (charged from what is known) before the usage buffer is flushed, so their usage events
 * are not lost.
 */
export class StreamDrains {
  readonly limits: DrainLimits;
  readonly #active = new Set<StreamDrain>();

  constructor(limits: DrainLimits) {
    this.limits = limits;
  }

  /** The drain of one stream; `onEnd` runs its side work. */
  create(abort: UpstreamAbort, onEnd: () => void): StreamDrain {
    return new StreamDrain(this.limits, abort, onEnd, this.#active);
  }

  /** Stops every stream still being read and waits until each one's side work ran. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#active].map((drain) => drain.stop()));
  }
}
