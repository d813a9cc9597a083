import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { type Dispatcher, request } from 'undici';

/** A response body larger than this is cut off; no key check needs more. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** One HTTP request of a key check. */
export interface ProbeRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  dispatcher?: Dispatcher;
  maxBodyBytes?: number;
}

/** Either the provider's answer or why there was none. Never throws for network trouble. */
export type ProbeResult =
  | {
      kind: 'response';
      status: number;
      headers: Record<string, string | string[] | undefined>;
      text: string;
      /** True when the body passed the size cap and only its start was kept. */
      truncated: boolean;
    }
  | { kind: 'failure'; reason: 'timeout' | 'connection'; detail: string };

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

// Words for the codes a user can act on; the error's own message is never shown because it may
// carry request details.
const CONNECTION_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  UND_ERR_CLOSED: 'connection closed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    if (typeof e !== 'object') break;
    if ('code' in e && typeof e.code === 'string') return e.code;
    e = 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

function describeFailure(err: unknown, deadline: Deadline): ProbeResult {
  const code = errorCode(err);
  const name = err instanceof Error ? err.name : '';
  if (deadline.aborted || name === 'TimeoutError' || name === 'AbortError' || (code && TIMEOUT_CODES.has(code))) {
    return { kind: 'failure', reason: 'timeout', detail: 'timed out' };
  }
  const words = code ? (CONNECTION_WORDS[code] ?? `network error ${code}`) : 'network error';
  return { kind: 'failure', reason: 'connection', detail: words };
}

/**
 * One deadline for the whole exchange, as the abort signal undici takes (an emitter of `abort`).
 * `AbortSignal.timeout` did the same at several times the cost per request (an event target and a
 * timer that cannot be cleared, so every finished probe left one armed until it fired); this timer
 * is cleared as soon as the probe ends.
 */
class Deadline extends EventEmitter {
  aborted = false;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    super();
    this.timer = setTimeout(() => {
      this.aborted = true;
      this.emit('abort');
    }, ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/**
 * Reads at most `limit` bytes of a body (and one chunk past it, to know it was cut), then stops the
 * download. Data events rather than `for await`: an async iterator per body cost more than the
 * reading of a model list's single chunk.
 */
function readCapped(body: Readable, limit: number): Promise<{ text: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (truncated: boolean) => resolve({ text: Buffer.concat(chunks, size).subarray(0, limit).toString('utf8'), truncated });
    body.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        body.destroy();
        done(true);
      }
    });
    body.once('end', () => done(false));
    body.once('error', reject);
  });
}

/**
 * Sends one request with undici. Redirects are never followed (undici's `request` does not follow
 * them, and no redirect interceptor is installed), the whole exchange shares one deadline, and at
 * most `maxBodyBytes` of the body are read.
 */
export async function sendProbe(req: ProbeRequest): Promise<ProbeResult> {
  const deadline = new Deadline(req.timeoutMs);
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body ?? null,
      signal: deadline,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
      ...(req.dispatcher ? { dispatcher: req.dispatcher } : {}),
    });
    const { text, truncated } = await readCapped(res.body, req.maxBodyBytes ?? MAX_BODY_BYTES);
    return { kind: 'response', status: res.statusCode, headers: res.headers, text, truncated };
  } catch (err) {
    return describeFailure(err, deadline);
  } finally {
    deadline.clear();
  }
}
