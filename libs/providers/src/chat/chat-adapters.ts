import type { ChatSpec } from '../types.js';
import { anthropicChatAdapter } from './anthropic/anthropic-adapter.js';
import type { ChatAdapter } from './chat-adapter.types.js';
import type { OpenAIChatRequest } from './chat-request.schema.js';
import { geminiChatAdapter } from './gemini/gemini-adapter.js';
import { openaiChatAdapter } from './openai/openai-adapter.js';

/** Every chat dialect's adapter. Provider differences live in `ChatSpec`, never in a switch on provider id. */
export const chatAdapters: Readonly<Record<ChatSpec['dialect'], ChatAdapter>> = {
  openai: openaiChatAdapter,
  anthropic: anthropicChatAdapter,
  gemini: geminiChatAdapter,
};

/** The adapter for a provider's chat spec. */
export function chatAdapterFor(spec: Pick<ChatSpec, 'dialect'>): ChatAdapter {
  return chatAdapters[spec.dialect];
}

/** Whether the client asked for the `include_usage` chunk — the proxy passes this to the translator. */
export function clientWantsStreamUsage(request: Pick<OpenAIChatRequest, 'stream_options'>): boolean {
  return request.stream_options?.include_usage === true;
}
