import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnthropicStreamTranslator } from './anthropic/anthropic-stream.js';
import type { StreamTranslator } from './chat-adapter.types.js';
import { GeminiStreamTranslator } from './gemini/gemini-stream.js';
import { OpenAIStreamTranslator } from './openai/openai-stream.js';
import * as A from './testing/anthropic-fixtures.js';
import * as G from './testing/gemini-fixtures.js';
import * as O from './testing/openai-fixtures.js';
import { streamCtx, translate } from './testing/stream-harness.js';

/**
 * Property: however the network cuts a stream into chunks (any number of cuts, anywhere — inside
 * UTF-8 characters, between `\r` and `\n`), every translator writes exactly the same text. The
 * per-test files check every single cut; this checks many random multi-cut splits.
 */

type Maker = (wantsUsage: boolean) => StreamTranslator;
const openai: Maker = (w) => new OpenAIStreamTranslator(streamCtx({ clientWantsUsage: w }));
const anthropic: Maker = (w) => new AnthropicStreamTranslator(streamCtx({ clientWantsUsage: w }));
const gemini: Maker = (w) => new GeminiStreamTranslator(streamCtx({ clientWantsUsage: w }));

const CASES: Array<[string, Maker, string]> = [
  ['openai', openai, O.OPENAI_STREAM],
  ['openrouter', openai, O.OPENROUTER_STREAM],
  ['groq', openai, O.GROQ_STREAM],
  ['together', openai, O.TOGETHER_STREAM],
  ['openrouter mid-stream error', openai, O.OPENROUTER_MIDSTREAM_ERROR],
  ['anthropic tools', anthropic, A.ANTHROPIC_TOOL_STREAM],
  ['anthropic error', anthropic, A.ANTHROPIC_ERROR_STREAM],
  ['gemini text', gemini, G.GEMINI_TEXT_STREAM],
  ['gemini two candidates', gemini, G.GEMINI_TWO_CANDIDATES_STREAM],
];

describe('stream translators under random chunking', () => {
  it.each(CASES)('%s', (_name, make, input) => {
    const length = new TextEncoder().encode(input).length;
    for (const wantsUsage of [false, true]) {
      const whole = translate(make(wantsUsage), input);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: length - 1 }), { maxLength: 40 }), (cuts) => {
          expect(translate(make(wantsUsage), input, cuts)).toBe(whole);
        }),
        { numRuns: 150 },
      );
    }
  });
});
