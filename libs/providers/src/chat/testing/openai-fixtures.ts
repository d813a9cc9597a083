import { sseOf } from './stream-harness.js';

/**
 * Real-looking OpenAI-compatible streams, one per provider variant (shapes from
 * /work/shared/providers.md §1, §2, §5–§8). Every one says "Hello wörld 👋" — non-ASCII on
 * purpose, so byte-boundary splits cut through multi-byte characters.
 */

export const ANSWER = 'Hello wörld 👋';

function chunk(delta: object, finish: string | null = null, extra: object = {}, id = 'chatcmpl-1', model = 'gpt-4o-mini'): object {
  return { id, object: 'chat.completion.chunk', created: 1700000001, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra };
}

function usageChunk(usage: object, id = 'chatcmpl-1', model = 'gpt-4o-mini'): object {
  return { id, object: 'chat.completion.chunk', created: 1700000001, model, choices: [], usage };
}

const body = (extra: object = {}, id?: string, model?: string) => [
  chunk({ role: 'assistant', content: '', refusal: null }, null, extra, id, model),
  chunk({ content: 'Hello' }, null, extra, id, model),
  chunk({ content: ' wörld 👋' }, null, extra, id, model),
];

/** OpenAI with `include_usage`: `usage: null` everywhere, then the `choices: []` usage chunk. */
export const OPENAI_STREAM = sseOf([
  ...body({ usage: null }),
  chunk({}, 'stop', { usage: null }),
  usageChunk({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12, prompt_tokens_details: { cached_tokens: 0 } }),
  '[DONE]',
]);

/** Together: usage on the chunk that carries `finish_reason`, no separate usage chunk. */
export const TOGETHER_STREAM = sseOf([
  ...body({ usage: null }, 'tg-1', 'meta-llama/Llama-3-8b-chat-hf'),
  chunk({}, 'stop', { usage: { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 } }, 'tg-1', 'meta-llama/Llama-3-8b-chat-hf'),
  '[DONE]',
]);

const groqUsage = { queue_time: 0.01, prompt_tokens: 12, prompt_time: 0.002, completion_tokens: 5, completion_time: 0.01, total_tokens: 17, total_time: 0.012 };

/** Groq: `x_groq.usage` on the final chunk, plus the OpenAI usage chunk because include_usage was set. */
export const GROQ_STREAM = sseOf([
  ...body({ x_groq: { id: 'req_01' } }, 'groq-1', 'llama-3.1-8b-instant'),
  chunk({}, 'stop', { x_groq: { id: 'req_01', usage: groqUsage } }, 'groq-1', 'llama-3.1-8b-instant'),
  usageChunk({ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 }, 'groq-1', 'llama-3.1-8b-instant'),
  '[DONE]',
]);

/** Groq before it honoured include_usage: only `x_groq.usage`. */
export const GROQ_LEGACY_STREAM = sseOf([
  ...body({ x_groq: { id: 'req_01' } }, 'groq-1', 'llama-3.1-8b-instant'),
  chunk({}, 'stop', { x_groq: { id: 'req_01', usage: groqUsage } }, 'groq-1', 'llama-3.1-8b-instant'),
  '[DONE]',
]);

/** OpenRouter: keep-alive comments, then chunks, usage on the final chunk. CRLF, as some edges send. */
export const OPENROUTER_STREAM =
  ': OPENROUTER PROCESSING\r\n\r\n: OPENROUTER PROCESSING\r\n\r\n' +
  sseOf(
    [
      ...body({}, 'gen-1', 'anthropic/claude-3.5-sonnet'),
      chunk({ content: '' }, 'stop', {}, 'gen-1', 'anthropic/claude-3.5-sonnet'),
      usageChunk({ prompt_tokens: 20, completion_tokens: 6, total_tokens: 26, cost: 0.0001 }, 'gen-1', 'anthropic/claude-3.5-sonnet'),
      '[DONE]',
    ],
    '\r\n',
  );

/** Cohere's compatibility API (stream_options stripped): usage on the final chunk. */
export const COHERE_STREAM = sseOf([
  ...body({}, 'co-1', 'command-a-03-2025'),
  chunk({}, 'stop', { usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } }, 'co-1', 'command-a-03-2025'),
  '[DONE]',
]);

/** A compatible stream that reports no usage at all (Cohere variant): usage stays undefined. */
export const NO_USAGE_STREAM = sseOf([...body({}, 'co-2', 'command-r'), chunk({}, 'stop', {}, 'co-2', 'command-r'), '[DONE]']);

/** Perplexity: citations and cumulative usage on every chunk. */
export const PERPLEXITY_STREAM = sseOf([
  chunk({ role: 'assistant', content: '' }, null, { citations: ['https://a.example'], usage: { prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 } }, 'px-1', 'sonar'),
  chunk({ content: 'Hello' }, null, { citations: ['https://a.example'], usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 } }, 'px-1', 'sonar'),
  chunk({ content: ' wörld 👋' }, 'stop', { citations: ['https://a.example'], usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 } }, 'px-1', 'sonar'),
  '[DONE]',
]);

/** OpenAI failing mid-stream: some content, then `data: {"error":…}`, then the connection closes. */
export const OPENAI_MIDSTREAM_ERROR = sseOf([
  ...body({ usage: null }),
  { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } },
]);

/** OpenRouter failing mid-stream: HTTP 200, a chunk with `error` and `finish_reason: "error"`. */
export const OPENROUTER_MIDSTREAM_ERROR =
  ': OPENROUTER PROCESSING\n\n' +
  sseOf([
    ...body({}, 'gen-2', 'openai/gpt-4o'),
    chunk({ content: '' }, 'error', { error: { code: 502, message: 'Provider disconnected' } }, 'gen-2', 'openai/gpt-4o'),
    '[DONE]',
  ]);

/** A stream cut before any finish reason (connection dropped). */
export const TRUNCATED_STREAM = sseOf(body({ usage: null }));

/** A stream with a finish reason whose provider closed without `[DONE]`. */
export const NO_DONE_STREAM = sseOf([...body(), chunk({}, 'stop', { usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } })]);
