import { request, type Dispatcher } from 'undici';
import { WebhookAddressRefusedError } from './outbound-agent.js';

/** Most bytes of a receiver's answer that are read, and kept in the delivery log. */
export const RESPONSE_EXCERPT_BYTES = 1024;

/** What one POST to a receiver came to. */
export type SendOutcome =
  /** A 2xx answer. */
  | { kind: 'delivered'; status: number; excerpt: string }
  /** Any other answer, redirects included (they are never followed). */
  | { kind: 'rejected'; status: number; excerpt: string }
  /** The outbound rules refused the address or scheme; nothing was sent. */
  | { kind: 'refused'; error: string }
  /** No answer: DNS, connection, TLS, timeout. */
  | { kind: 'failed'; error: string };

export interface WebhookPost {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface SenderOptions {
  dispatcher: Dispatcher;
  /** Longest the whole exchange may take: connection, headers and body together. */
  timeoutMs: number;
  /** NODE_ENV=production: refuse http URLs even if one was saved before the rule (or outside production). */
  httpsOnly: boolean;
}

/**
 * POSTs one delivery and reads at most `RESPONSE_EXCERPT_BYTES` of the answer: past that the
 * connection is dropped, so a receiver that streams without end costs one kilobyte and no time.
 * Never throws; every failure comes back as an outcome with a message safe to store and show.
 */
export async function postWebhook(post: WebhookPost, options: SenderOptions): Promise<SendOutcome> {
  if (options.httpsOnly && !post.url.startsWith('https:')) return { kind: 'refused', error: 'refused: webhooks must use https in production' };
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await request(post.url, {
      method: 'POST',
      dispatcher: options.dispatcher,
      headers: { 'content-type': 'application/json', 'user-agent': 'byok-gateway-webhooks/1', ...post.headers },
      body: post.body,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const excerpt = await readExcerpt(response.body);
    const kind = response.statusCode >= 200 && response.statusCode < 300 ? 'delivered' : 'rejected';
    return { kind, status: response.statusCode, excerpt };
  } catch (error) {
    return describeFailure(error, signal, options.timeoutMs);
  }
}

async function readExcerpt(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    chunks.push(buffer.subarray(0, RESPONSE_EXCERPT_BYTES - length));
    length += Math.min(buffer.length, RESPONSE_EXCERPT_BYTES - length);
    if (length >= RESPONSE_EXCERPT_BYTES) break;
  }
  // Leaving the loop early destroys the body, which closes the connection instead of draining it.
  body.destroy();
  // Postgres text refuses NUL; an excerpt is for reading, so it is replaced.
  return Buffer.concat(chunks).toString('utf8').replaceAll('\u0000', '\uFFFD');
}

function describeFailure(error: unknown, signal: AbortSignal, timeoutMs: number): SendOutcome {
  const refused = findCause(error, (e) => e instanceof WebhookAddressRefusedError || (e as { code?: unknown }).code === 'WEBHOOK_ADDRESS_REFUSED');
  if (refused) return { kind: 'refused', error: refused.message.slice(0, 500) };
  if (signal.aborted || findCause(error, (e) => /Timeout/.test(e.name) || /TIMEOUT/.test(String((e as { code?: unknown }).code)))) {
    return { kind: 'failed', error: `timed out after ${timeoutMs} ms` };
  }
  const cause = findCause(error, (e) => typeof (e as { code?: unknown }).code === 'string') ?? (error instanceof Error ? error : null);
  const code = (cause as { code?: string } | null)?.code;
  return { kind: 'failed', error: `${code ? `${code}: ` : ''}${cause?.message ?? String(error)}`.slice(0, 500) };
}

function findCause(error: unknown, match: (e: Error) => boolean): Error | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (match(e)) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}
