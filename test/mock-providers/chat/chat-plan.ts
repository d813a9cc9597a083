import { PROVIDERS, type ProviderId } from '@byok/providers';

/**
 * What a mock chat answer will be, decided from the provider, the model name and the prompt, so
 * tests can predict content and usage exactly:
 * - content is "Hello from <displayName>", streamed one word per event;
 * - prompt tokens = words in all message text (system included); completion tokens = words in
 *   the answer (for a tool call, in `get_weather {"city":"Paris"}`, i.e. 2);
 * - a model name containing `tool-call` answers with the `get_weather` call; `mid-stream-error`
 *   fails after two content events; `slow-stream` spaces events 200 ms apart (`slow-stream-50`
 *   for 50 ms).
 */

/** The tool call a `tool-call` model makes. */
export const MOCK_TOOL_CALL = { name: 'get_weather', args: { city: 'Paris' } } as const;

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
export function chatPlan(provider: ProviderId, model: string, promptText: string): ChatPlan {
  const toolCall = model.includes('tool-call');
  const text = toolCall ? '' : `Hello from ${PROVIDERS[provider].displayName}`;
  const pieces = text.split(/(?= )/).filter((p) => p !== '');
  const slow = /slow-stream(?:-(\d+))?/.exec(model);
  const completionSource = toolCall ? `${MOCK_TOOL_CALL.name} ${JSON.stringify(MOCK_TOOL_CALL.args)}` : text;
  return {
    text,
    pieces,
    toolCall,
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
