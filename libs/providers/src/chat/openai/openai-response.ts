import type { ChatResult, ParsedCompletion, ResponseContext } from '../chat-adapter.types.js';
import { createdAt } from '../chunk-writer.js';
import { chatError, errorFromOpenAIRecord, errorRecordOf, statusFromRecord } from '../error-mapping.js';
import { arr, isRecord, num, rec, str } from '../json-guards.js';
import type { OpenAIAssistantMessage, OpenAIChoice, OpenAIToolCall } from '../openai-wire.types.js';
import { usageFromOpenAI } from '../usage.js';

/**
 * A non-streamed OpenAI-compatible body, passed through. Only missing or mistyped required fields
 * are filled in (some compatible providers omit `object` or `logprobs`); provider extras such as
 * Perplexity's `citations` stay. `model` stays the provider's resolved name — see README.
 */
export function parseOpenAIResponse(json: unknown, ctx: ResponseContext): ChatResult<ParsedCompletion> {
  // OpenRouter reports failures that happen after generation starts as a 200 with an error body.
  const errorRecord = errorRecordOf(json);
  if (errorRecord) {
    const status = statusFromRecord(errorRecord, 502);
    return { ok: false, error: errorFromOpenAIRecord(status, errorRecord, { scrub: ctx.scrub }) };
  }
  if (!isRecord(json) || !Array.isArray(json.choices)) {
    return { ok: false, error: chatError(502, 'The provider returned a malformed chat completion', { scrub: ctx.scrub }) };
  }
  const usage = usageFromOpenAI(json.usage);
  const body = {
    ...json,
    id: str(json.id) ?? ctx.requestId,
    object: 'chat.completion' as const,
    created: num(json.created) ?? createdAt(ctx.createdAt),
    model: str(json.model) ?? ctx.model,
    choices: json.choices.filter(isRecord).map(normalizeChoice),
  };
  return { ok: true, value: usage ? { body, usage } : { body } };
}

function normalizeChoice(choice: Record<string, unknown>, position: number): OpenAIChoice {
  return {
    ...choice,
    index: num(choice.index) ?? position,
    message: normalizeMessage(rec(choice.message) ?? {}),
    finish_reason: str(choice.finish_reason) ?? null,
    logprobs: choice.logprobs ?? null,
  };
}

function normalizeMessage(message: Record<string, unknown>): OpenAIAssistantMessage {
  const { tool_calls: rawToolCalls, ...rest } = message;
  const out: OpenAIAssistantMessage = {
    ...rest,
    role: 'assistant',
    content: str(message.content) ?? null,
    refusal: str(message.refusal) ?? null,
  };
  const toolCalls = arr(rawToolCalls).flatMap(toToolCall);
  if (toolCalls.length > 0) out.tool_calls = toolCalls;
  return out;
}

function toToolCall(value: unknown): OpenAIToolCall[] {
  const fn = rec(rec(value)?.function);
  const name = str(fn?.name);
  const id = str(rec(value)?.id);
  if (!fn || name === undefined || id === undefined) return [];
  return [{ id, type: 'function', function: { name, arguments: str(fn.arguments) ?? '{}' } }];
}
