import { EventEmitter } from 'node:events';

/**
 * The signal that aborts an upstream request when its client leaves. undici accepts any
 * EventEmitter with `aborted`/`reason` and an `abort` event; this one costs a fraction of an
 * `AbortController` (whose EventTarget machinery showed in the proxy's profile), and is created
 * for every request while almost none of them is ever aborted.
 */
export class UpstreamAbort extends EventEmitter {
  aborted = false;
  reason: Error | undefined = undefined;
  /**
   * The dispatched call under way (a non-streamed request, see `buffered-answer.ts`), aborted
   * directly: no listener is added and removed per request.
   */
  call: { abort(reason: Error): void } | undefined = undefined;

  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.call?.abort(reason);
    this.emit('abort');
  }
}
