import type { MockRoute } from '../mock-route.js';
import { ANTHROPIC_CHAT_ROUTES } from './anthropic-chat.routes.js';
import { GEMINI_CHAT_ROUTES } from './gemini-chat.routes.js';
import { OPENAI_CHAT_ROUTES } from './openai-chat.routes.js';

/**
 * Chat routes for every provider, to pass as `startMockProviders({ extraRoutes: chatRoutes })`.
 * See README.md for the scenarios (by key and by model name) and the framing each one mirrors.
 */
export const chatRoutes: readonly MockRoute[] = [...OPENAI_CHAT_ROUTES, ...ANTHROPIC_CHAT_ROUTES, ...GEMINI_CHAT_ROUTES];

export { type ChatPlan, chatPlan, countWords, EVENTS_BEFORE_ERROR, MOCK_TOOL_CALL, SLOW_STREAM_DELAY_MS } from './chat-plan.js';
export { MOCK_TOOL_CALL_ID, type OpenAiFlavour } from './openai-chat.events.js';
export { OPENAI_FLAVOURS, openAiFlavour } from './openai-chat.routes.js';
export { MOCK_TOOL_USE_ID } from './anthropic-chat.routes.js';
