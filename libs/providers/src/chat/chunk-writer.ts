import type { ChatUsage } from './chat-adapter.types.js';
import type { OpenAIChunkChoice, OpenAIChunkDelta, OpenAIFinishReason } from './openai-wire.types.js';
import { sseData } from './sse-format.js';
import { toOpenAIUsage } from './usage.js';

/**
 * Writes `chat.completion.chunk` events for the translating dialects. The fixed head of every
 * chunk (`id`, `object`, `created`, `model`) is serialised once per stream, so each event costs
 * one small `JSON.stringify` of its choices only — this is the per-token hot path.
 */
export class ChunkWriter {
  readonly #head: string;

  constructor(id: string, model: string, created: number) {
    this.#head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":`;
  }

  /** A chunk with one choice's delta. */
  delta(delta: OpenAIChunkDelta, index = 0, finishReason: OpenAIFinishReason | null = null): string {
    const choice: OpenAIChunkChoice = { index, delta, finish_reason: finishReason, logprobs: null };
    return sseData(`${this.#head}[${JSON.stringify(choice)}]}`);
  }

  /** The final chunk of a choice: an empty delta carrying the finish reason. */
  finish(finishReason: OpenAIFinishReason, index = 0): string {
    return this.delta({}, index, finishReason);
  }

  /** OpenAI's `include_usage` chunk: no choices, the whole request's usage. */
  usage(usage: ChatUsage): string {
    return sseData(`${this.#head}[],"usage":${JSON.stringify(toOpenAIUsage(usage))}}`);
  }
}

/** Unix seconds for `created`. */
export function createdAt(pinned: number | undefined): number {
  return pinned ?? Math.floor(Date.now() / 1000);
}
