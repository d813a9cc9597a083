import type { ChatError, ChatResult } from './chat-adapter.types.js';
import type { ChatMessage, ContentPart, OpenAIChatRequest } from './chat-request.schema.js';
import { chatError } from './error-mapping.js';
import { type JsonRecord, isRecord, parseJson } from './json-guards.js';

/** Helpers shared by the dialects that translate OpenAI requests (Anthropic, Gemini). */

/** The text of a message's content; text parts are joined with newlines, other parts ignored. */
export function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content
    .filter((part): part is Extract<ContentPart, { type: 'text' }> => part.type === 'text')
    .map((part) => part.text)
    .join('\n');
}

/** The parts of a `data:<media type>;base64,<data>` URL, or undefined for any other URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!match?.[1] || match[2] === undefined) return undefined;
  return { mediaType: match[1], data: match[2] };
}

/** `stop` as a list, or undefined when absent or empty. */
export function stopList(stop: OpenAIChatRequest['stop']): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  const list = typeof stop === 'string' ? [stop] : stop;
  return list.length > 0 ? list : undefined;
}

/** The output-token cap: `max_completion_tokens` (newer) wins over `max_tokens`. */
export function maxTokensOf(request: OpenAIChatRequest): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens ?? undefined;
}

/** Where a request field failed to translate, for a 400 that points at it. */
export function invalidRequest(message: string): ChatError {
  return chatError(400, message, { code: 'invalid_request' });
}

/**
 * An assistant tool call's `arguments` as an object. Providers that take structured arguments
 * need valid JSON; an empty string means no arguments. Anything else is the client's error.
 */
export function parseToolArguments(args: string, where: string): ChatResult<JsonRecord> {
  if (args.trim() === '') return { ok: true, value: {} };
  const parsed = parseJson(args);
  if (isRecord(parsed)) return { ok: true, value: parsed };
  return { ok: false, error: invalidRequest(`${where}.function.arguments must be a JSON object`) };
}

/** System and developer messages both become the provider's system instruction. */
export function isSystemRole(role: ChatMessage['role']): boolean {
  return role === 'system' || role === 'developer';
}
