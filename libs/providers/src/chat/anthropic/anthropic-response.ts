import type { ChatResult, ChatUsage, ParsedCompletion, ResponseContext } from '../chat-adapter.types.js';
import { createdAt } from '../chunk-writer.js';
import { chatError, errorRecordOf } from '../error-mapping.js';
import { arr, isRecord, num, rec, str } from '../json-guards.js';
import type { OpenAIFinishReason, OpenAIToolCall } from '../openai-wire.types.js';
import { makeUsage, toOpenAIUsage } from '../usage.js';
import { errorFromAnthropicRecord } from './anthropic-errors.js';

/**
 * Anthropic `stop_reason` → OpenAI `finish_reason`. `pause_turn` (a server tool paused a long
 * turn) has no OpenAI meaning; the text so far is a complete answer, so it reads as `stop`.
 */
const FINISH_BY_STOP_REASON: Readonly<Record<string, OpenAIFinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** The OpenAI finish reason for a stop reason; unknown future values read as `stop`. */
export function finishFromStopReason(reason: unknown): OpenAIFinishReason | null {
  const value = str(reason);
  if (value === undefined) return null;
  return FINISH_BY_STOP_REASON[value] ?? 'stop';
}

/**
 * Anthropic's `input_tokens` excludes cache reads and writes; OpenAI's `prompt_tokens` includes
 * cached tokens. Cache tokens are therefore added to the prompt count, so totals mean the same
 * thing for every provider, and cache reads are also reported as `cachedPromptTokens`.
 */
export function usageFromAnthropic(input: unknown, output: number): ChatUsage {
  const usage = rec(input);
  const cacheRead = num(usage?.cache_read_input_tokens) ?? 0;
  const prompt = (num(usage?.input_tokens) ?? 0) + (num(usage?.cache_creation_input_tokens) ?? 0) + cacheRead;
  return makeUsage(prompt, output, undefined, cacheRead);
}

/** A Messages API response → `chat.completion`. Thinking blocks are not forwarded. */
export function parseAnthropicResponse(json: unknown, ctx: ResponseContext): ChatResult<ParsedCompletion> {
  const errorRecord = errorRecordOf(json);
  if (errorRecord) return { ok: false, error: errorFromAnthropicRecord(502, errorRecord, { scrub: ctx.scrub }) };
  if (!isRecord(json) || !Array.isArray(json.content)) {
    return { ok: false, error: chatError(502, 'Anthropic returned a malformed message', { scrub: ctx.scrub }) };
  }
  let text = '';
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of arr(json.content).filter(isRecord)) {
    if (block.type === 'text') text += str(block.text) ?? '';
    else if (block.type === 'tool_use') {
      const name = str(block.name) ?? '';
      const id = str(block.id) ?? `call_${ctx.requestId}_${toolCalls.length}`;
      toolCalls.push({ id, type: 'function', function: { name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const usage = usageFromAnthropic(json.usage, num(rec(json.usage)?.output_tokens) ?? 0);
  const message = {
    role: 'assistant' as const,
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
  const body = {
    id: str(json.id) ?? ctx.requestId,
    object: 'chat.completion' as const,
    created: createdAt(ctx.createdAt),
    model: ctx.model,
    choices: [{ index: 0, message, finish_reason: finishFromStopReason(json.stop_reason) ?? 'stop', logprobs: null }],
    usage: toOpenAIUsage(usage),
  };
  return { ok: true, value: { body, usage } };
}
