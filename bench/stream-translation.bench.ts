/**
 * Cost of the chat stream translators on the proxy's hot path: the first upstream event to client
 * bytes (what adds to time to first byte) and the steady per-event cost, per dialect, against a
 * baseline of decoding the same bytes with a TextDecoder (the least any relay must do).
 */
import { chatAdapterFor } from '@byok/providers';
import type { Benchmark } from './run.js';

const encoder = new TextEncoder();
const FIRST_EVENT = {
  openai: encoder.encode('data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n'),
  anthropic: encoder.encode('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}\n\n'),
  gemini: encoder.encode('data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"index":0}],"usageMetadata":{"promptTokenCount":15},"responseId":"r"}\r\n\r\n'),
} as const;
const DELTA_EVENT = {
  openai: FIRST_EVENT.openai,
  anthropic: encoder.encode('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello there"}}\n\n'),
  gemini: FIRST_EVENT.gemini,
} as const;
type Dialect = keyof typeof FIRST_EVENT;

const ctx = { model: 'bench-model', requestId: 'req-bench', clientWantsUsage: false };
const translator = (dialect: Dialect) => chatAdapterFor({ dialect }).createStreamTranslator(ctx);

function microsPerOp(op: () => void, iterations: number): number {
  for (let i = 0; i < Math.min(iterations, 2000); i++) op();
  const started = performance.now();
  for (let i = 0; i < iterations; i++) op();
  return ((performance.now() - started) * 1000) / iterations;
}

const bench: Benchmark = {
  title: 'Stream translation cost per dialect (µs)',
  async run() {
    const decoder = new TextDecoder();
    const rows: string[] = [];
    for (const dialect of Object.keys(FIRST_EVENT) as Dialect[]) {
      const baselineFirst = microsPerOp(() => void decoder.decode(FIRST_EVENT[dialect]), 20_000);
      const first = microsPerOp(() => void translator(dialect).push(FIRST_EVENT[dialect]), 20_000);
      const steady = translator(dialect);
      steady.push(FIRST_EVENT[dialect]);
      const baselineDelta = microsPerOp(() => void decoder.decode(DELTA_EVENT[dialect]), 50_000);
      const delta = microsPerOp(() => void steady.push(DELTA_EVENT[dialect]), 50_000);
      rows.push(`| ${dialect} | ${first.toFixed(2)} | ${(first / baselineFirst).toFixed(1)}× | ${delta.toFixed(2)} | ${(delta / baselineDelta).toFixed(1)}× |`);
    }
    return [
      'First event: new translator + first push (adds to time to first byte). Per event: steady state. Ratios are against TextDecoder.decode of the same bytes in the same run.',
      '',
      '| dialect | first event µs | × decode | per event µs | × decode |',
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n');
  },
};

export default bench;
