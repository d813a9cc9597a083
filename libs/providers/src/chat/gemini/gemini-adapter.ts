import type { ChatAdapter } from '../chat-adapter.types.js';
import { parseGeminiError } from './gemini-errors.js';
import { buildGeminiRequest } from './gemini-request.js';
import { parseGeminiResponse } from './gemini-response.js';
import { GeminiStreamTranslator } from './gemini-stream.js';

/** The `gemini` dialect: Google AI Studio's native `generateContent` API. */
export const geminiChatAdapter: ChatAdapter = {
  buildRequest: buildGeminiRequest,
  parseResponse: parseGeminiResponse,
  createStreamTranslator: (ctx) => new GeminiStreamTranslator(ctx),
  parseError: parseGeminiError,
};
