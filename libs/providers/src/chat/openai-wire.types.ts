/**
 * The OpenAI response shapes the gateway writes to clients. The translating dialects build these
 * exactly; the `openai` dialect passes upstream bodies on, so extra provider fields (Perplexity's
 * `citations`, OpenAI's `system_fingerprint`) may ride along — hence the index signatures.
 */

/** A complete tool call on a non-streamed assistant message. */
export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A fragment of a tool call in a stream; `index` ties fragments of the same call together. */
export interface OpenAIToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** OpenAI's usage object. `prompt_tokens` includes cached tokens, as OpenAI reports it. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
}

/** Finish reasons OpenAI clients know. Passed-through upstream bodies may carry others (OpenRouter's `error`). */
export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/** The assistant message of a non-streamed choice. */
export interface OpenAIAssistantMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: OpenAIToolCall[];
  refusal: string | null;
  [extra: string]: unknown;
}

/** One choice of a `chat.completion`. */
export interface OpenAIChoice {
  index: number;
  message: OpenAIAssistantMessage;
  finish_reason: string | null;
  logprobs: unknown;
  [extra: string]: unknown;
}

/** A non-streamed chat completion. */
export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: OpenAIChoice[];
  usage?: OpenAIUsage;
  [extra: string]: unknown;
}

/** The `delta` of one choice in a stream chunk. */
export interface OpenAIChunkDelta {
  role?: 'assistant';
  content?: string | null;
  tool_calls?: OpenAIToolCallDelta[];
}

/** One choice of a `chat.completion.chunk`. */
export interface OpenAIChunkChoice {
  index: number;
  delta: OpenAIChunkDelta;
  finish_reason: OpenAIFinishReason | null;
  logprobs: null;
}

/** The error body every gateway error uses, shaped like OpenAI's so OpenAI SDKs raise typed errors. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string | number | null; param: null };
}
