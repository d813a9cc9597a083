import { describe, expect, it } from 'vitest';
import { AnthropicStreamTranslator } from './anthropic/anthropic-stream.js';
import type { StreamTranslator } from './chat-adapter.types.js';
import { GeminiStreamTranslator } from './gemini/gemini-stream.js';
import { OpenAIStreamTranslator } from './openai/openai-stream.js';
import { streamCtx } from './testing/stream-harness.js';

/**
 * Budget checks for the proxy's hot path (target: < 1 ms added before the first byte). Bounds are
 * loose — about 20× what a laptop measures — so a busy CI machine does not flake, while an
 * accidental quadratic parse or per-chunk re-serialisation still fails.
 */

const encoder = new TextEncoder();

const FIRST_EVENT = {
  openai: encoder.encode('data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n'),
  anthropic: encoder.encode('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}\n\n'),
  gemini: encoder.encode('data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"index":0}],"usageMetadata":{"promptTokenCount":15},"responseId":"r"}\r\n\r\n'),
};

const DELTA_EVENT = {
  openai: FIRST_EVENT.openai,
  anthropic: encoder.encode('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello there"}}\n\n'),
  gemini: FIRST_EVENT.gemini,
};

const MAKERS: Record<keyof typeof FIRST_EVENT, () => StreamTranslator> = {
  openai: () => new OpenAIStreamTranslator(streamCtx()),
  anthropic: () => new AnthropicStreamTranslator(streamCtx()),
  gemini: () => new GeminiStreamTranslator(streamCtx()),
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

describe.each(Object.keys(MAKERS) as Array<keyof typeof FIRST_EVENT>)('%s translator cost', (dialect) => {
  it('turns the first upstream event into client bytes well under 1 ms', () => {
    const samples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const started = performance.now();
      const out = MAKERS[dialect]().push(FIRST_EVENT[dialect]);
      samples.push(performance.now() - started);
      if (out === '') throw new Error('no output for the first event');
    }
    expect(median(samples)).toBeLessThan(0.2);
  });

  it('translates a long stream at a steady per-event cost', () => {
    const translator = MAKERS[dialect]();
    translator.push(FIRST_EVENT[dialect]);
    const events = 20000;
    const started = performance.now();
    for (let i = 0; i < events; i++) translator.push(DELTA_EVENT[dialect]);
    const perEventMs = (performance.now() - started) / events;
    expect(perEventMs).toBeLessThan(0.05);
  });
});
