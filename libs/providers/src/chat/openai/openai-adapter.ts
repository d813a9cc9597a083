import type { ChatAdapter } from '../chat-adapter.types.js';
import { parseOpenAIError } from './openai-errors.js';
import { buildOpenAIRequest } from './openai-request.js';
import { parseOpenAIResponse } from './openai-response.js';
import { OpenAIStreamTranslator } from './openai-stream.js';

/**
 * The `openai` dialect: OpenAI itself and every OpenAI-compatible provider (OpenRouter, Groq,
 * Together, Perplexity, Cohere's compatibility API). Their differences are data in `ChatSpec`
 * (`path`, `streamUsage`, `auth`) plus tolerance for their usage and error variants.
 */
export const openaiChatAdapter: ChatAdapter = {
  buildRequest: buildOpenAIRequest,
  parseResponse: parseOpenAIResponse,
  createStreamTranslator: (ctx) => new OpenAIStreamTranslator(ctx),
  parseError: parseOpenAIError,
};
