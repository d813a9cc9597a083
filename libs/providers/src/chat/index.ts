/**
 * Chat translation between the OpenAI chat completions API and each provider dialect. Pure code:
 * no I/O. See README.md for the contract and the decisions behind it.
 */
export { chatAdapterFor, chatAdapters, clientWantsStreamUsage } from './chat-adapters.js';
export type {
  BuildRequestInput,
  ChatAdapter,
  ChatError,
  ChatResult,
  ChatUsage,
  ErrorContext,
  MessageScrubber,
  ParsedCompletion,
  ResponseContext,
  StreamContext,
  StreamError,
  StreamTranslator,
  UpstreamHeaders,
  UpstreamRequest,
} from './chat-adapter.types.js';
export {
  ChatCompletionRequestSchema,
  ChatMessageSchema,
  ContentPartSchema,
  ToolCallSchema,
  ToolChoiceSchema,
  ToolSchema,
} from './chat-request.schema.js';
export type { ChatMessage, ContentPart, OpenAIChatRequest, Tool, ToolCall, ToolChoice } from './chat-request.schema.js';
export type {
  OpenAIAssistantMessage,
  OpenAIChatCompletion,
  OpenAIChoice,
  OpenAIChunkChoice,
  OpenAIChunkDelta,
  OpenAIErrorBody,
  OpenAIFinishReason,
  OpenAIToolCall,
  OpenAIToolCallDelta,
  OpenAIUsage,
} from './openai-wire.types.js';
export { chatError, classForStatus } from './error-mapping.js';
export { usageFromOpenAI } from './usage.js';
export { isUsableModelName, MODEL_NAME_PATTERN, MODEL_NAME_RULE } from './model-name.js';
export { SSE_DONE, sseComment, sseData } from './sse-format.js';
export { ChunkWriter, createdAt } from './chunk-writer.js';
export { streamErrorEvent } from './error-mapping.js';
export { type SseComment, type SseEvent, type SseItem, SseParser } from './sse-parser.js';
export { ANTHROPIC_DEFAULT_MAX_TOKENS, ANTHROPIC_VERSION } from './anthropic/anthropic-request.js';
