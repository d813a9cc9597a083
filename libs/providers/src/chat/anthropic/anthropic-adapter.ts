import type { ChatAdapter } from '../chat-adapter.types.js';
import { parseAnthropicError } from './anthropic-errors.js';
import { buildAnthropicRequest } from './anthropic-request.js';
import { parseAnthropicResponse } from './anthropic-response.js';
import { AnthropicStreamTranslator } from './anthropic-stream.js';

/** The `anthropic` dialect: the native Messages API (`POST /v1/messages`). */
export const anthropicChatAdapter: ChatAdapter = {
  buildRequest: buildAnthropicRequest,
  parseResponse: parseAnthropicResponse,
  createStreamTranslator: (ctx) => new AnthropicStreamTranslator(ctx),
  parseError: parseAnthropicError,
};
