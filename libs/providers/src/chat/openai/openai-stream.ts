import type { ChatUsage, StreamContext, StreamError, StreamTranslator } from '../chat-adapter.types.js';
import { ChunkWriter, createdAt } from '../chunk-writer.js';
import {
  errorFromOpenAIRecord,
  errorRecordOf,
  statusFromRecord,
  streamErrorEvent,
  toStreamError,
  truncatedStreamError,
} from '../error-mapping.js';
import { isRecord, num, parseJson, rec, str } from '../json-guards.js';
import { SSE_DONE, sseComment, sseData } from '../sse-format.js';
import { type SseItem, SseParser } from '../sse-parser.js';
import { usageFromOpenAI } from '../usage.js';

// Cheap pre-checks so that only the few chunks that can matter are JSON-parsed. JSON string
// values escape their quotes, so these can only match real keys, never generated text.
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const ERROR_KEY = /"error"\s*:/;
const FINISH_REASON = /"finish_reason"\s*:\s*"([^"]*)"/;

/**
 * Translator for OpenAI-compatible upstreams: events pass through as text, untouched apart from
 * normalised line endings. It parses JSON only for chunks that carry usage or an error, and:
 * - captures usage from OpenAI's `include_usage` chunk, Together's finish chunk, Groq's
 *   `x_groq.usage` and OpenRouter's final chunk (whichever comes last wins — they agree);
 * - drops the `choices: []` usage chunk when the gateway (not the client) asked for it;
 * - adds a usage chunk before `[DONE]` when the client asked but upstream sent none of that shape;
 * - turns `{"error":…}` chunks (OpenAI, OpenRouter with `finish_reason:"error"`) into one
 *   OpenAI error event followed by `[DONE]`;
 * - forwards comments (`: OPENROUTER PROCESSING`) as keep-alives.
 */
export class OpenAIStreamTranslator implements StreamTranslator {
  readonly #ctx: StreamContext;
  readonly #parser = new SseParser();
  #done = false;
  #usage: ChatUsage | undefined;
  #usageChunkSent = false;
  #finishReason: string | undefined;
  #error: StreamError | undefined;
  /** The first data chunk, kept to give a synthesised usage chunk the stream's id. */
  #firstData: string | undefined;

  constructor(ctx: StreamContext) {
    this.#ctx = ctx;
  }

  push(chunk: Uint8Array): string {
    if (this.#done) return '';
    return this.#translate(this.#parser.push(chunk));
  }

  end(): string {
    if (this.#done) return '';
    let out = this.#translate(this.#parser.end());
    if (this.#done) return out;
    // Some compatible providers close without `[DONE]`; a finish reason means the answer is whole.
    if (this.#finishReason !== undefined) out += this.#finishStream();
    else out += this.#fail(truncatedStreamError());
    return out;
  }

  usage(): ChatUsage | undefined {
    return this.#usage;
  }

  finishReason(): string | undefined {
    return this.#finishReason;
  }

  error(): StreamError | undefined {
    return this.#error;
  }

  done(): boolean {
    return this.#done;
  }

  #translate(items: SseItem[]): string {
    let out = '';
    for (const item of items) {
      if (this.#done) break;
      if (item.kind === 'comment') out += sseComment(item.text);
      else out += this.#event(item.event, item.data);
    }
    return out;
  }

  #event(name: string | undefined, data: string): string {
    if (data.startsWith('[DONE]')) return this.#finishStream();
    let parsed: unknown;
    if (name === 'error' || ERROR_KEY.test(data)) {
      parsed = parseJson(data);
      const errorRecord = errorRecordOf(parsed) ?? (name === 'error' ? { message: data } : undefined);
      if (errorRecord) return this.#fail(this.#streamError(errorRecord));
    }
    if (USAGE_OBJECT.test(data)) {
      parsed ??= parseJson(data);
      if (isRecord(parsed)) {
        const usage = usageFromOpenAI(parsed.usage) ?? usageFromOpenAI(rec(parsed.x_groq)?.usage);
        if (usage) this.#usage = usage;
        if (Array.isArray(parsed.choices) && parsed.choices.length === 0) {
          // The include_usage chunk: the client sees it only if it asked for it.
          if (!this.#ctx.clientWantsUsage) return '';
          this.#usageChunkSent = true;
        }
      }
    }
    const finish = FINISH_REASON.exec(data);
    if (finish?.[1] !== undefined) this.#finishReason = finish[1];
    this.#firstData ??= data;
    return sseData(data);
  }

  #streamError(errorRecord: Record<string, unknown>): StreamError {
    // OpenRouter puts the HTTP-like status in `code`; a mid-stream failure is an upstream failure.
    const status = statusFromRecord(errorRecord, 502);
    return toStreamError(errorFromOpenAIRecord(status, errorRecord, { scrub: this.#ctx.scrub }));
  }

  #fail(error: StreamError): string {
    this.#error = error;
    this.#done = true;
    return streamErrorEvent(error);
  }

  #finishStream(): string {
    this.#done = true;
    if (!this.#ctx.clientWantsUsage || this.#usageChunkSent || !this.#usage) return SSE_DONE;
    return this.#writer().usage(this.#usage) + SSE_DONE;
  }

  /** A writer that labels a synthesised chunk like the upstream chunks it follows. */
  #writer(): ChunkWriter {
    const first = rec(this.#firstData === undefined ? undefined : parseJson(this.#firstData));
    return new ChunkWriter(
      str(first?.id) ?? this.#ctx.requestId,
      str(first?.model) ?? this.#ctx.model,
      num(first?.created) ?? createdAt(this.#ctx.createdAt),
    );
  }
}
