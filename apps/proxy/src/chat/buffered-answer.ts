import { type Dispatcher, errors } from 'undici';
import { maxBodyBytesFor } from '../upstream/body-limits.js';
import type { BufferedResponse } from '../upstream/read-body.js';
import type { Exchange } from './exchange.js';
import type { UpstreamAbort } from './upstream-abort.js';

/**
 * The upstream call of a request that is not streamed, through undici's `dispatch` with this
 * handler: the answer is collected whole (cut at `maxBodyBytesFor` its status) and the promise
 * settles once, when the body has ended. `request` would make an `AsyncResource`, a `Readable`
 * body, an abort listener and a consumer per request, which showed in the proxy's profile; a
 * non-streamed answer is read whole anyway.
 *
 * As with `request`, the exchange learns when the headers came and their status as soon as they
 * come (a failure after that is not failed over), and a client that leaves aborts the call, also
 * while it still waits in the pool's queue.
 */
export class BufferedAnswer implements Dispatcher.DispatchHandler {
  readonly #exchange: Exchange;
  readonly #abort: UpstreamAbort;
  /** Settles once: with the answer when its body has ended, or with the failure. */
  readonly promise: Promise<BufferedResponse>;
  #resolve: (response: BufferedResponse) => void = ignore;
  #reject: (error: Error) => void = ignore;
  #statusCode = 0;
  #headers: BufferedResponse['headers'] = {};
  #chunks: Buffer[] = [];
  #bytes = 0;
  #limit = 0;
  #truncated = false;

  constructor(exchange: Exchange, abort: UpstreamAbort) {
    this.#exchange = exchange;
    this.#abort = abort;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.#abort.aborted) controller.abort(this.#abort.reason ?? new errors.RequestAbortedError());
    else this.#abort.call = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: BufferedResponse['headers']): void {
    // 1xx informational answers precede the real one.
    if (statusCode < 200) return;
    this.#exchange.upstreamAnsweredAt = performance.now();
    this.#exchange.upstreamStatus = statusCode;
    this.#statusCode = statusCode;
    this.#headers = headers;
    this.#limit = maxBodyBytesFor(statusCode);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#truncated) return;
    if (this.#bytes + chunk.length > this.#limit) {
      // The rest is not read: the socket is given up, and the answer is what came so far.
      this.#chunks.push(chunk.subarray(0, this.#limit - this.#bytes));
      this.#bytes = this.#limit;
      this.#truncated = true;
      controller.abort(new Error('upstream body past its limit'));
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
  }

  onResponseEnd(): void {
    this.#resolve(this.#response());
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#truncated) this.#resolve(this.#response());
    else {
      this.#abort.call = undefined;
      this.#reject(error);
    }
  }

  #response(): BufferedResponse {
    this.#abort.call = undefined;
    const first = this.#chunks[0];
    const body = this.#chunks.length === 1 && first !== undefined ? first : Buffer.concat(this.#chunks, this.#bytes);
    return { statusCode: this.#statusCode, headers: this.#headers, body, truncated: this.#truncated };
  }
}

function ignore(): void {}
