import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/** Result of `readBody`: the text, and whether it was cut at the limit. */
export interface BodyText {
  text: string;
  truncated: boolean;
}

/** An upstream answer read whole before it was handed on (a non-streamed request's; see `chat/buffered-answer.ts`). */
export interface BufferedResponse {
  statusCode: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Buffer;
  /** The upstream sent more than its reader keeps; `body` is the start. */
  truncated: boolean;
}

/** An upstream answer: streamed (undici's `request`) or read whole. */
export type UpstreamResponse = Dispatcher.ResponseData | BufferedResponse;

/** What reading a body needs of an answer. */
export type UpstreamBody = Pick<Dispatcher.ResponseData, 'body' | 'headers'> | Pick<BufferedResponse, 'body' | 'truncated'>;

/** True for an answer read whole; false for one whose body is still a stream. */
export function isBuffered<T extends BufferedResponse | Pick<BufferedResponse, 'body' | 'truncated'>>(upstream: T | Pick<Dispatcher.ResponseData, 'body'>): upstream is T {
  return Buffer.isBuffer(upstream.body);
}

/**
 * Reads an upstream body as UTF-8 text, keeping at most `maxBytes` (an upstream must not make the
 * proxy buffer without bound). An answer read whole is cut there; a streamed body whose
 * `content-length` is within the limit is read by undici itself (the cheapest way for a stream);
 * any other is read chunk by chunk and cut at the limit.
 */
export async function readUpstreamBody(upstream: UpstreamBody, maxBytes: number): Promise<BodyText> {
  if (isBuffered(upstream)) {
    const cut = upstream.body.length > maxBytes;
    return { text: (cut ? upstream.body.subarray(0, maxBytes) : upstream.body).toString('utf8'), truncated: cut || upstream.truncated };
  }
  const declared = Number(upstream.headers['content-length']);
  if (Number.isInteger(declared) && declared >= 0 && declared <= maxBytes) return { text: await upstream.body.text(), truncated: false };
  return readBody(upstream.body, maxBytes);
}

/** Lets go of an answer nobody reads (a redirect's). */
export function discardUpstreamBody(upstream: UpstreamResponse): void {
  if (!isBuffered(upstream)) upstream.body.dump().catch(() => undefined);
}

/**
 * Reads a body as UTF-8 text, keeping at most `maxBytes`. Past the limit the rest is discarded
 * and the socket given up. Plain `data` events: an async iterator per body showed in the proxy's
 * profile.
 */
export function readBody(body: Readable, maxBytes: number): Promise<BodyText> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (truncated: boolean) => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      // A body destroyed at the limit may still report an error; nobody is waiting for it.
      body.on('error', ignore);
      const first = chunks[0];
      resolve({ text: chunks.length === 1 && first ? first.toString('utf8') : Buffer.concat(chunks).toString('utf8'), truncated });
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > maxBytes) {
        chunks.push(chunk.subarray(0, maxBytes - size));
        body.destroy();
        finish(true);
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = () => finish(false);
    const onError = (error: Error) => reject(error);
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
  });
}

function ignore(): void {}
