import { PROVIDERS, type ProviderId } from '@byok/providers';
import type { ToolRequest } from './tool-request.js';

/**
 * What a mock chat answer will be, decided from the provider, the model name and the prompt, so
 * tests can predict content and usage exactly:
 * - content is "Hello from <displayName>", streamed one word per event;
 * - prompt tokens = words in all message text (system included); completion tokens = words in
 *   the answer (for a tool call, in `get_weather {"city":"Paris"}`, i.e. 2);
 * - a request that offers tools answers with a call of the first one (arguments `{"city":"Paris"}`),
 *   unless it forbids tool calls or its last message is a tool's result; a model name containing
 *   `tool-call` calls `get_weather` even without tools; `mid-stream-error`
 *   fails after two content events; `slow-stream` spaces events 200 ms apart (`slow-stream-50`
 *   for 50 ms).
 */

/** The tool call a `tool-call` model makes (a request offering tools gets the first one's name). */
export const MOCK_TOOL_CALL = { name: 'get_weather', args: { city: 'Paris' } } as const;

/** A request that offers no tools. */
const NO_TOOLS: ToolRequest = { declared: [], choiceNone: false, answered: false };

/** Events sent before a `mid-stream-error` model fails. */
export const EVENTS_BEFORE_ERROR = 2;

/** Default spacing of a `slow-stream` model's events. */
export const SLOW_STREAM_DELAY_MS = 200;

/** A planned answer. */
export interface ChatPlan {
  /** The answer text ('' for a tool call). */
  text: string;
  /** `text` cut into streamed pieces: "Hello", " from", " OpenAI". */
  pieces: string[];
  toolCall: boolean;
  /** The called tool's name, when `toolCall`. */
  toolName: string;
  midStreamError: boolean;
  /** Pause between streamed events. */
  eventDelayMs: number;
  promptTokens: number;
  completionTokens: number;
}

/** Words in a text, the mock's notion of a token. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((w) => w !== '').length;
}

/** The answer the mock gives `provider` for `model` and a prompt whose text is `promptText`. */
export function chatPlan(provider: ProviderId, model: string, promptText: string, tools: ToolRequest = NO_TOOLS): ChatPlan {
  const offered = tools.declared.length > 0 && !tools.choiceNone;
  const toolCall = !tools.answered && (offered || model.includes('tool-call'));
  const toolName = tools.declared[0] ?? MOCK_TOOL_CALL.name;
  const text = toolCall ? '' : `Hello from ${PROVIDERS[provider].displayName}`;
  const pieces = text.split(/(?= )/).filter((p) => p !== '');
  const slow = /slow-stream(?:-(\d+))?/.exec(model);
  const completionSource = toolCall ? `${toolName} ${JSON.stringify(MOCK_TOOL_CALL.args)}` : text;
  return {
    text,
    pieces,
    toolCall,
    toolName,
    midStreamError: model.includes('mid-stream-error'),
    eventDelayMs: slow ? Number(slow[1] ?? SLOW_STREAM_DELAY_MS) : 0,
    promptTokens: countWords(promptText),
    completionTokens: countWords(completionSource),
  };
}

/** The text of OpenAI- or Anthropic-style content: a string, or the `text` of its parts/blocks. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .join(' ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON body as a record (empty when it is not an object). */
export function bodyRecord(body: unknown): Record<string, unknown> {
  return isRecord(body) ? body : {};
}

/** The object elements of an array field (none when it is not an array), for reading request bodies. */
export function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}
