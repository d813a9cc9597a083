import type { ChatResult, ChatUsage, ParsedCompletion, ResponseContext } from '../chat-adapter.types.js';
import { createdAt } from '../chunk-writer.js';
import { chatError, errorRecordOf, statusFromRecord } from '../error-mapping.js';
import { type JsonRecord, arr, isRecord, num, rec, str } from '../json-guards.js';
import type { OpenAIChoice, OpenAIFinishReason, OpenAIToolCall } from '../openai-wire.types.js';
import { makeUsage, toOpenAIUsage } from '../usage.js';
import { errorFromGeminiRecord } from './gemini-errors.js';

/**
 * Gemini `finishReason` → OpenAI. Safety-type stops are `content_filter`; `OTHER`, `LANGUAGE`
 * and unknown values read as `stop` since OpenAI has no "other". `STOP` becomes `tool_calls`
 * when the turn called a function — Gemini has no separate reason for that.
 */
const FINISH_BY_REASON: Readonly<Record<string, OpenAIFinishReason>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
};

/** Stops that mean the model failed to produce a usable tool call; reported as upstream errors. */
const FAILED_TOOL_CALL = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL']);

/** The finish reason, `'failed'` for a broken tool call, or null when the candidate is unfinished. */
export function finishFromGemini(reason: unknown, calledFunction: boolean): OpenAIFinishReason | 'failed' | null {
  const value = str(reason);
  if (value === undefined || value === 'FINISH_REASON_UNSPECIFIED') return null;
  if (FAILED_TOOL_CALL.has(value)) return 'failed';
  const finish = FINISH_BY_REASON[value] ?? 'stop';
  return finish === 'stop' && calledFunction ? 'tool_calls' : finish;
}

/** The error for a `failed` finish. */
export function failedToolCallMessage(reason: unknown): string {
  return `Gemini stopped with ${str(reason) ?? 'an error'}: the model produced an unusable function call`;
}

/**
 * `usageMetadata` → usage. Thinking tokens are billed as output, so they count as completion
 * tokens; tool-use prompt tokens count as prompt tokens. Cached content is already inside
 * `promptTokenCount`, as OpenAI counts it.
 */
export function usageFromGemini(metadata: unknown): ChatUsage | undefined {
  const m = rec(metadata);
  const promptCount = num(m?.promptTokenCount);
  if (!m || promptCount === undefined) return undefined;
  const prompt = promptCount + (num(m.toolUsePromptTokenCount) ?? 0);
  const completion = (num(m.candidatesTokenCount) ?? 0) + (num(m.thoughtsTokenCount) ?? 0);
  return makeUsage(prompt, completion, num(m.totalTokenCount), num(m.cachedContentTokenCount));
}

/** A candidate's visible text and function calls. Thought summaries (`thought: true`) are skipped. */
export function readParts(candidate: JsonRecord | undefined): { text: string; calls: Array<{ name: string; args: unknown; id?: string }> } {
  let text = '';
  const calls: Array<{ name: string; args: unknown; id?: string }> = [];
  for (const part of arr(rec(candidate?.content)?.parts).filter(isRecord)) {
    if (part.thought === true) continue;
    const call = rec(part.functionCall);
    if (call) {
      const id = str(call.id);
      calls.push({ name: str(call.name) ?? '', args: call.args ?? {}, ...(id !== undefined ? { id } : {}) });
    } else if (typeof part.text === 'string') text += part.text;
  }
  return { text, calls };
}

/** An OpenAI tool call id for a Gemini call: its own id when it has one, else unique per request. */
export function toolCallId(requestId: string, n: number, own: string | undefined): string {
  return own ?? `call_${requestId}_${n}`;
}

/** A `generateContent` response → `chat.completion`; each candidate becomes a choice. */
export function parseGeminiResponse(json: unknown, ctx: ResponseContext): ChatResult<ParsedCompletion> {
  const errorRecord = errorRecordOf(json);
  if (errorRecord) return { ok: false, error: errorFromGeminiRecord(statusFromRecord(errorRecord, 502), errorRecord, { scrub: ctx.scrub }) };
  if (!isRecord(json)) return { ok: false, error: chatError(502, 'Gemini returned a malformed response', { scrub: ctx.scrub }) };

  const choices: OpenAIChoice[] = [];
  let callCount = 0;
  for (const [i, candidate] of arr(json.candidates).filter(isRecord).entries()) {
    const { text, calls } = readParts(candidate);
    const finish = finishFromGemini(candidate.finishReason, calls.length > 0);
    if (finish === 'failed') {
      return { ok: false, error: chatError(502, failedToolCallMessage(candidate.finishReason), { scrub: ctx.scrub }) };
    }
    const toolCalls: OpenAIToolCall[] = calls.map((call) => ({
      id: toolCallId(ctx.requestId, callCount++, call.id),
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.args) },
    }));
    const message = {
      role: 'assistant' as const,
      content: text === '' && toolCalls.length > 0 ? null : text,
      refusal: null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    };
    choices.push({ index: num(candidate.index) ?? i, message, finish_reason: finish ?? 'stop', logprobs: null });
  }
  // A prompt blocked before generation has no candidates, only `promptFeedback.blockReason`.
  if (choices.length === 0 && str(rec(json.promptFeedback)?.blockReason) !== undefined) {
    choices.push({ index: 0, message: { role: 'assistant', content: '', refusal: null }, finish_reason: 'content_filter', logprobs: null });
  }
  if (choices.length === 0) return { ok: false, error: chatError(502, 'Gemini returned no candidates', { scrub: ctx.scrub }) };

  const usage = usageFromGemini(json.usageMetadata);
  const body = {
    id: str(json.responseId) ?? ctx.requestId,
    object: 'chat.completion' as const,
    created: createdAt(ctx.createdAt),
    model: ctx.model,
    choices,
    ...(usage ? { usage: toOpenAIUsage(usage) } : {}),
  };
  return { ok: true, value: usage ? { body, usage } : { body } };
}
