/**
 * An incremental Server-Sent Events parser (WHATWG HTML §9.2.6) for upstream bodies.
 *
 * Bytes may arrive split anywhere: inside a UTF-8 character (handled by a streaming TextDecoder),
 * between `\r` and `\n` (remembered across pushes), or in the middle of a line or event (the
 * unfinished tail is kept in a buffer). Lines end with `\n`, `\r\n` or `\r`.
 */

/** A dispatched event. `data` lines are joined with `\n`, as the spec says. */
export interface SseEvent {
  kind: 'event';
  /** The `event:` field, or undefined for the default `message` type. */
  event: string | undefined;
  data: string;
}

/** A comment line (`: text`), e.g. OpenRouter's `: OPENROUTER PROCESSING` keep-alive. */
export interface SseComment {
  kind: 'comment';
  /** The text after the colon, without one leading space. */
  text: string;
}

export type SseItem = SseEvent | SseComment;

const LF = 10;
const SPACE = 32;

/** Parses an SSE byte stream one chunk at a time. One instance per stream. */
export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  /** The unfinished last line. */
  #tail = '';
  /** The previous chunk ended with `\r`, so a leading `\n` in the next one belongs to it. */
  #pendingCR = false;
  #eventName: string | undefined;
  #data: string | undefined;

  /** Parses the next chunk; returns the events and comments it completed, in order. */
  push(chunk: Uint8Array): SseItem[] {
    const items: SseItem[] = [];
    this.#feed(this.#decoder.decode(chunk, { stream: true }), items);
    return items;
  }

  /**
   * The stream ended. Flushes the decoder and dispatches an event that lacked its closing blank
   * line; the spec would drop it, but a provider that closes right after the last `data:` line
   * still meant it (and Gemini has no other terminator).
   */
  end(): SseItem[] {
    const items: SseItem[] = [];
    this.#feed(this.#decoder.decode(), items);
    if (this.#tail !== '') {
      this.#line(this.#tail, items);
      this.#tail = '';
    }
    this.#line('', items);
    return items;
  }

  #feed(text: string, items: SseItem[]): void {
    if (text === '') return;
    let buf = text;
    let pos = 0;
    if (this.#pendingCR) {
      // The `\r` ended a line, so nothing is buffered; skip its `\n` if this chunk starts with one.
      this.#pendingCR = false;
      if (buf.charCodeAt(0) === LF) pos = 1;
    } else if (this.#tail !== '') {
      buf = this.#tail + text;
      this.#tail = '';
    }
    // Positions of the next `\n` and `\r`, recomputed only once passed, so a buffer without any
    // `\r` (the common case) is scanned once rather than once per line.
    let nextLF = buf.indexOf('\n', pos);
    let nextCR = buf.indexOf('\r', pos);
    while (nextLF !== -1 || nextCR !== -1) {
      let end: number;
      let next: number;
      if (nextCR === -1 || (nextLF !== -1 && nextLF < nextCR)) {
        end = nextLF;
        next = nextLF + 1;
      } else {
        end = nextCR;
        next = nextCR + 1;
        if (next === buf.length) this.#pendingCR = true;
        else if (buf.charCodeAt(next) === LF) next += 1;
      }
      this.#line(buf.slice(pos, end), items);
      pos = next;
      if (nextLF !== -1 && nextLF < pos) nextLF = buf.indexOf('\n', pos);
      if (nextCR !== -1 && nextCR < pos) nextCR = buf.indexOf('\r', pos);
    }
    if (pos < buf.length) this.#tail = buf.slice(pos);
  }

  #line(line: string, items: SseItem[]): void {
    if (line === '') {
      if (this.#data !== undefined) items.push({ kind: 'event', event: this.#eventName, data: this.#data });
      this.#data = undefined;
      this.#eventName = undefined;
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) {
      items.push({ kind: 'comment', text: line.charCodeAt(1) === SPACE ? line.slice(2) : line.slice(1) });
      return;
    }
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = '';
    if (colon !== -1) value = line.charCodeAt(colon + 1) === SPACE ? line.slice(colon + 2) : line.slice(colon + 1);
    if (field === 'data') this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
    else if (field === 'event') this.#eventName = value;
    // `id` and `retry` mean nothing to a proxy that never reconnects upstream; they are ignored.
  }
}
