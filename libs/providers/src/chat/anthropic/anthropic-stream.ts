import type { ChatUsage } from '../chat-adapter.types.js';
import { errorRecordOf, toStreamError } from '../error-mapping.js';
import { type JsonRecord, isRecord, num, parseJson, rec, str } from '../json-guards.js';
import { TranslatedStream, malformedEventError } from '../translated-stream.js';
import { errorFromAnthropicRecord } from './anthropic-errors.js';
import { finishFromStopReason, usageFromAnthropic } from './anthropic-response.js';

/** A tool_use block being streamed, by Anthropic content-block index. */
interface ToolBlock {
  /** The OpenAI `tool_calls[].index`: tool blocks counted in order, text blocks skipped. */
  toolIndex: number;
  sentArguments: boolean;
  /** The block's `input` from `content_block_start`, used when no `input_json_delta` follows. */
  initialInput: unknown;
}

/**
 * Anthropic's named events → OpenAI chunks:
 * `message_start` → role chunk; `text_delta` → content; `tool_use` block start → tool call head
 * (id, name, empty arguments); `input_json_delta` → argument fragments; `message_delta` → finish
 * chunk (its `output_tokens` is cumulative, so the last one wins); `message_stop` → usage chunk
 * (if asked) and `[DONE]`; `error` → error event. `ping` and thinking deltas are dropped.
 */
export class AnthropicStreamTranslator extends TranslatedStream {
  #started = false;
  #inputUsage: unknown;
  #outputTokens = 0;
  readonly #tools = new Map<number, ToolBlock>();

  protected currentUsage(): ChatUsage | undefined {
    return this.#started ? usageFromAnthropic(this.#inputUsage, this.#outputTokens) : undefined;
  }

  protected onEvent(name: string | undefined, data: string): string {
    const event = parseJson(data);
    if (!isRecord(event)) return this.fail(malformedEventError('Anthropic'));
    switch (name ?? str(event.type)) {
      case 'message_start':
        return this.#messageStart(rec(event.message));
      case 'content_block_start':
        return this.#blockStart(num(event.index) ?? 0, rec(event.content_block));
      case 'content_block_delta':
        return this.#blockDelta(num(event.index) ?? 0, rec(event.delta));
      case 'content_block_stop':
        return this.#blockStop(num(event.index) ?? 0);
      case 'message_delta':
        return this.#messageDelta(event);
      case 'message_stop':
        return this.complete();
      case 'error': {
        const record = errorRecordOf(event) ?? { message: 'Anthropic reported an error' };
        return this.fail(toStreamError(errorFromAnthropicRecord(502, record)));
      }
      default:
        return '';
    }
  }

  #messageStart(message: JsonRecord | undefined): string {
    this.#started = true;
    this.#inputUsage = message?.usage;
    this.#outputTokens = num(rec(message?.usage)?.output_tokens) ?? 0;
    return this.openWriter(str(message?.id)).delta({ role: 'assistant', content: '' });
  }

  #blockStart(index: number, block: JsonRecord | undefined): string {
    if (block?.type === 'text') {
      const text = str(block.text) ?? '';
      return text === '' ? '' : this.writer.delta({ content: text });
    }
    if (block?.type !== 'tool_use') return '';
    const toolIndex = this.#tools.size;
    this.#tools.set(index, { toolIndex, sentArguments: false, initialInput: block.input });
    const head = { index: toolIndex, id: str(block.id) ?? '', type: 'function' as const, function: { name: str(block.name) ?? '', arguments: '' } };
    return this.writer.delta({ tool_calls: [head] });
  }

  #blockDelta(index: number, delta: JsonRecord | undefined): string {
    if (delta?.type === 'text_delta') {
      const text = str(delta.text) ?? '';
      return text === '' ? '' : this.writer.delta({ content: text });
    }
    if (delta?.type !== 'input_json_delta') return '';
    const tool = this.#tools.get(index);
    const fragment = str(delta.partial_json) ?? '';
    if (!tool || fragment === '') return '';
    tool.sentArguments = true;
    return this.writer.delta({ tool_calls: [{ index: tool.toolIndex, function: { arguments: fragment } }] });
  }

  /** A tool call whose arguments never streamed still needs a JSON object clients can parse. */
  #blockStop(index: number): string {
    const tool = this.#tools.get(index);
    if (!tool || tool.sentArguments) return '';
    tool.sentArguments = true;
    const args = JSON.stringify(isRecord(tool.initialInput) ? tool.initialInput : {});
    return this.writer.delta({ tool_calls: [{ index: tool.toolIndex, function: { arguments: args } }] });
  }

  #messageDelta(event: JsonRecord): string {
    const usage = rec(event.usage);
    const output = num(usage?.output_tokens);
    if (output !== undefined) this.#outputTokens = output;
    // Newer API versions repeat the (cumulative) input counts here; prefer them when present.
    if (usage && num(usage.input_tokens) !== undefined) this.#inputUsage = usage;
    const finish = finishFromStopReason(rec(event.delta)?.stop_reason);
    if (finish === null) return '';
    this.finish = finish;
    return this.writer.finish(finish);
  }
}
