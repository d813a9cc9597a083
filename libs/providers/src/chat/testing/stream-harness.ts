import { Stream } from 'openai/streaming';
import type { StreamContext, StreamTranslator } from '../chat-adapter.types.js';

/**
 * Test support for stream translators: feed a fixture split at chosen byte offsets, and read the
 * result with the official OpenAI SDK's SSE reader. Not exported from the library.
 */

const encoder = new TextEncoder();

/** The default stream context in tests; `created` is pinned so outputs compare byte for byte. */
export function streamCtx(overrides: Partial<StreamContext> = {}): StreamContext {
  return { clientWantsUsage: false, model: 'client-model', requestId: 'req_1', createdAt: 1700000000, ...overrides };
}

/** Feeds `input` cut at the given byte offsets (ascending or not), then ends; returns all output. */
export function translate(translator: StreamTranslator, input: string | Uint8Array, cuts: readonly number[] = []): string {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  let out = '';
  let start = 0;
  for (const point of [...points, bytes.length]) {
    out += translator.push(bytes.subarray(start, point));
    start = point;
  }
  return out + translator.end();
}

/**
 * Translates `input` whole, then once per byte boundary (cut in two) and once a byte at a time;
 * returns the offsets whose output differed from the whole-input output (expected: none).
 */
export function splitMismatches(make: () => StreamTranslator, input: string): { whole: string; mismatches: number[] } {
  const bytes = encoder.encode(input);
  const whole = translate(make(), bytes);
  const mismatches: number[] = [];
  for (let cut = 1; cut < bytes.length; cut++) if (translate(make(), bytes, [cut]) !== whole) mismatches.push(cut);
  const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
  if (translate(make(), bytes, everyByte) !== whole) mismatches.push(-1);
  return { whole, mismatches };
}

/** What the OpenAI SDK makes of an SSE body: the chunks it yielded and the error it threw, if any. */
export async function readWithOpenAISdk(sse: string): Promise<{ chunks: unknown[]; error: unknown }> {
  const response = new Response(sse, { headers: { 'content-type': 'text/event-stream' } });
  const stream = Stream.fromSSEResponse<unknown>(response, new AbortController());
  const chunks: unknown[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

/** The `data:` payloads of an SSE text, parsed as JSON where possible. */
export function dataEvents(sse: string): unknown[] {
  return sse
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => {
      const data = block.slice('data: '.length);
      try {
        return JSON.parse(data) as unknown;
      } catch {
        return data;
      }
    });
}

/** SSE text from `data:` payloads (objects are JSON-encoded), with the given line ending. */
export function sseOf(payloads: ReadonlyArray<unknown>, eol = '\n'): string {
  return payloads.map((p) => `data: ${typeof p === 'string' ? p : JSON.stringify(p)}${eol}${eol}`).join('');
}
