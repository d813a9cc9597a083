import type { ServerResponse } from 'node:http';
import type { MockReply } from './mock-route.js';

/** Writes a canned reply; does nothing if the client has already gone. */
export function sendReply(res: ServerResponse, reply: MockReply): void {
  if (res.destroyed || res.headersSent) return;
  const isText = typeof reply.body === 'string';
  const payload = isText ? String(reply.body) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json'),
    'content-length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
}

/** Sends a JSON body with status 200 (or `status`). */
export function sendJson(res: ServerResponse, body: unknown, status = 200, headers: Readonly<Record<string, string>> = {}): void {
  sendReply(res, { status, body, headers });
}

/** Resolves after `ms`, or early (with `false`) when `signal` aborts, so shutdown never hangs. */
export function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
