import type { ServerResponse } from 'node:http';

/** One Server-Sent Event; an object `data` is sent as JSON. A `comment` line is a keep-alive. */
export interface SseEvent {
  event?: string;
  data?: unknown;
  comment?: string;
}

/** Options of `writeSseEvent` and `writeSseStream`. */
export interface SseWriteOptions {
  /** `\n` (OpenAI, Anthropic) or `\r\n` (real Gemini streams). */
  lineEnding?: '\n' | '\r\n';
  /** Pause between the two halves of a split event, so they leave as separate TCP segments. */
  splitDelayMs?: number;
}

/** Formats one event, ending with the blank line that terminates it. */
export function formatSseEvent(ev: SseEvent, lineEnding: '\n' | '\r\n' = '\n'): string {
  const lines: string[] = [];
  if (ev.comment !== undefined) lines.push(`: ${ev.comment}`);
  if (ev.event !== undefined) lines.push(`event: ${ev.event}`);
  if (ev.data !== undefined) {
    const text = typeof ev.data === 'string' ? ev.data : JSON.stringify(ev.data);
    for (const line of text.split('\n')) lines.push(`data: ${line}`);
  }
  return `${lines.join(lineEnding)}${lineEnding}${lineEnding}`;
}

/** Sends status 200 and SSE headers at once, so the client sees the stream open before any event. */
export function startSse(res: ServerResponse, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  res.flushHeaders();
}

function write(res: ServerResponse, chunk: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    const ok = res.write(chunk);
    if (ok) resolve(true);
    else res.once('drain', () => resolve(!res.destroyed));
  });
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Writes one event and flushes it. With `split`, the event goes out in two writes cut in the
 * middle of its text, so clients must reassemble events across network chunks.
 * Resolves `false` when the client has gone.
 */
export async function writeSseEvent(res: ServerResponse, ev: SseEvent, split = false, options: SseWriteOptions = {}): Promise<boolean> {
  const text = formatSseEvent(ev, options.lineEnding);
  if (!split || text.length < 2) return write(res, text);
  const cut = Math.floor(text.length / 2);
  if (!(await write(res, text.slice(0, cut)))) return false;
  await pause(options.splitDelayMs ?? 5);
  return write(res, text.slice(cut));
}

/** Options of `writeSseStream`. */
export interface SseStreamOptions extends SseWriteOptions {
  /** Which events to split across two writes: every n-th (1 = all), or a predicate on the index. */
  split?: number | ((index: number) => boolean);
  /** Pause between events, to make streaming observable. */
  delayMs?: number;
  /** Stops the stream early (the request's `ctx.signal`). */
  signal?: AbortSignal;
  /** End the response after the last event (default true; Gemini streams end by closing). */
  end?: boolean;
}

/** Writes events one by one, flushing each; resolves `false` if the client left midway. */
export async function writeSseStream(res: ServerResponse, events: Iterable<SseEvent>, options: SseStreamOptions = {}): Promise<boolean> {
  const { split, delayMs = 0, signal, end = true } = options;
  const shouldSplit = (i: number): boolean =>
    typeof split === 'function' ? split(i) : typeof split === 'number' && split > 0 ? i % split === 0 : false;
  let i = 0;
  for (const ev of events) {
    if (signal?.aborted) return false;
    if (!(await writeSseEvent(res, ev, shouldSplit(i), options))) return false;
    i++;
    if (delayMs > 0) await pause(delayMs);
  }
  if (end && !res.writableEnded) res.end();
  return true;
}
