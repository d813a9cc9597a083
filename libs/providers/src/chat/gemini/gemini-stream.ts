import type { ChatUsage } from '../chat-adapter.types.js';
import type { ChunkWriter } from '../chunk-writer.js';
import { errorRecordOf, statusFromRecord, toStreamError } from '../error-mapping.js';
import { type JsonRecord, arr, isRecord, num, parseJson, rec, str } from '../json-guards.js';
import type { OpenAIChunkDelta } from '../openai-wire.types.js';
import { TranslatedStream, malformedEventError } from '../translated-stream.js';
import { errorFromGeminiRecord } from './gemini-errors.js';
import { failedToolCallMessage, finishFromGemini, readParts, toolCallId, usageFromGemini } from './gemini-response.js';

/** Per-candidate progress; Gemini streams several candidates at once when `n` > 1. */
interface ChoiceState {
  roleSent: boolean;
  toolCalls: number;
  calledFunction: boolean;
  finished: boolean;
}

/**
 * `streamGenerateContent?alt=sse` → OpenAI chunks. Each event is a whole `GenerateContentResponse`
 * (no event names, no terminator: the stream ends when the connection closes, so `end()` sends
 * the usage chunk and `[DONE]`). The first chunk of a candidate carries the role; function calls
 * arrive whole, so each becomes one complete tool-call delta. `usageMetadata` is on every chunk
 * but complete only on the last, so the last one wins. An `{"error":…}` chunk becomes an error event.
 */
export class GeminiStreamTranslator extends TranslatedStream {
  #usage: ChatUsage | undefined;
  readonly #choices = new Map<number, ChoiceState>();
  #callCount = 0;

  protected currentUsage(): ChatUsage | undefined {
    return this.#usage;
  }

  protected onEvent(_name: string | undefined, data: string): string {
    const chunk = parseJson(data);
    const errorRecord = errorRecordOf(chunk);
    if (errorRecord) {
      return this.fail(toStreamError(errorFromGeminiRecord(statusFromRecord(errorRecord, 502), errorRecord)));
    }
    if (!isRecord(chunk)) return this.fail(malformedEventError('Gemini'));
    const writer = this.openWriter(str(chunk.responseId));
    this.#usage = usageFromGemini(chunk.usageMetadata) ?? this.#usage;

    let out = '';
    const candidates = arr(chunk.candidates).filter(isRecord);
    for (const [i, candidate] of candidates.entries()) {
      out += this.#candidate(writer, candidate, num(candidate.index) ?? i);
      if (this.done()) return out;
    }
    if (candidates.length === 0 && str(rec(chunk.promptFeedback)?.blockReason) !== undefined) {
      // The prompt was blocked before any candidate existed.
      this.finish = 'content_filter';
      out += writer.delta({ role: 'assistant', content: '' }) + writer.finish('content_filter');
    }
    return out;
  }

  #candidate(writer: ChunkWriter, candidate: JsonRecord, index: number): string {
    const state = this.#state(index);
    const { text, calls } = readParts(candidate);
    const delta: OpenAIChunkDelta = {};
    if (!state.roleSent) {
      state.roleSent = true;
      delta.role = 'assistant';
      delta.content = text;
    } else if (text !== '') delta.content = text;
    if (calls.length > 0) {
      state.calledFunction = true;
      delta.tool_calls = calls.map((call) => ({
        index: state.toolCalls++,
        id: toolCallId(this.ctx.requestId, this.#callCount++, call.id),
        type: 'function' as const,
        function: { name: call.name, arguments: JSON.stringify(call.args) },
      }));
    }
    let out = delta.role !== undefined || delta.content !== undefined || delta.tool_calls ? writer.delta(delta, index) : '';

    const finish = finishFromGemini(candidate.finishReason, state.calledFunction);
    if (finish === 'failed') {
      return out + this.fail({ message: failedToolCallMessage(candidate.finishReason), type: 'server_error', code: 'upstream_error' });
    }
    if (finish !== null && !state.finished) {
      state.finished = true;
      this.finish = finish;
      out += writer.finish(finish, index);
    }
    return out;
  }

  #state(index: number): ChoiceState {
    let state = this.#choices.get(index);
    if (!state) {
      state = { roleSent: false, toolCalls: 0, calledFunction: false, finished: false };
      this.#choices.set(index, state);
    }
    return state;
  }
}
