import type { ChatUsage, StreamContext, StreamError, StreamTranslator } from './chat-adapter.types.js';
import { ChunkWriter, createdAt } from './chunk-writer.js';
import { streamErrorEvent, truncatedStreamError } from './error-mapping.js';
import type { OpenAIFinishReason } from './openai-wire.types.js';
import { SSE_DONE } from './sse-format.js';
import { SseParser } from './sse-parser.js';

/** The error for an upstream event that is not the JSON its dialect promises. */
export function malformedEventError(provider: string): StreamError {
  return { message: `${provider} sent a malformed stream event`, type: 'server_error', code: 'upstream_error' };
}

/**
 * The shared life cycle of translators that rebuild every chunk (Anthropic, Gemini): parse SSE,
 * hand each event to the dialect, and finish exactly once — with the usage chunk (when the client
 * asked) and `[DONE]`, or with an error event. A stream that closes after a finish reason is
 * complete; one that closes before it is reported as truncated, so a client never mistakes a cut
 * answer for a whole one. Upstream comments are not expected from these dialects and are dropped.
 */
export abstract class TranslatedStream implements StreamTranslator {
  protected readonly ctx: StreamContext;
  readonly #parser = new SseParser();
  #writer: ChunkWriter | undefined;
  #done = false;
  #error: StreamError | undefined;
  /** The last finish reason sent; its presence means the answer is complete. */
  protected finish: OpenAIFinishReason | undefined;

  constructor(ctx: StreamContext) {
    this.ctx = ctx;
  }

  /** Translates one upstream event into OpenAI SSE text. */
  protected abstract onEvent(name: string | undefined, data: string): string;

  /** Usage as far as the stream has reported it. */
  protected abstract currentUsage(): ChatUsage | undefined;

  push(chunk: Uint8Array): string {
    if (this.#done) return '';
    return this.#run(this.#parser.push(chunk));
  }

  end(): string {
    if (this.#done) return '';
    const out = this.#run(this.#parser.end());
    if (this.#done) return out;
    return out + (this.finish !== undefined ? this.complete() : this.fail(truncatedStreamError()));
  }

  usage(): ChatUsage | undefined {
    return this.currentUsage();
  }

  finishReason(): string | undefined {
    return this.finish;
  }

  error(): StreamError | undefined {
    return this.#error;
  }

  done(): boolean {
    return this.#done;
  }

  /** Starts the chunk writer with the upstream's message id; the first call wins. */
  protected openWriter(id: string | undefined): ChunkWriter {
    this.#writer ??= new ChunkWriter(id ?? this.ctx.requestId, this.ctx.model, createdAt(this.ctx.createdAt));
    return this.#writer;
  }

  /** The chunk writer, opened with the request id if upstream never named the message. */
  protected get writer(): ChunkWriter {
    return this.openWriter(undefined);
  }

  /** Ends the stream normally: the usage chunk if the client asked for it, then `[DONE]`. */
  protected complete(): string {
    this.#done = true;
    const usage = this.currentUsage();
    return this.ctx.clientWantsUsage && usage ? this.writer.usage(usage) + SSE_DONE : SSE_DONE;
  }

  /** Ends the stream with an OpenAI error event and `[DONE]`. */
  protected fail(error: StreamError): string {
    this.#done = true;
    this.#error = { ...error, message: this.ctx.scrub ? this.ctx.scrub(error.message) : error.message };
    return streamErrorEvent(this.#error);
  }

  #run(items: ReturnType<SseParser['push']>): string {
    let out = '';
    for (const item of items) {
      if (this.#done) break;
      if (item.kind === 'event') out += this.onEvent(item.event, item.data);
    }
    return out;
  }
}
