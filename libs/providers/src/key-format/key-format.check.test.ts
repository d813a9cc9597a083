import { describe, expect, it } from 'vitest';
import type { ProviderId } from '../types.js';
import { checkKeyFormat } from './key-format.check.js';

// Test keys are assembled here so no key-shaped literal sits in the repository.
const fill = (n: number, chars = 'a1B2'): string => chars.repeat(Math.ceil(n / chars.length)).slice(0, n);
const hex = (n: number): string => fill(n, '0f9a');

const WELL_FORMED: Array<[ProviderId, string]> = [
  ['openrouter', `sk-or-v1-${hex(64)}`],
  ['openai', `sk-${fill(20)}T3BlbkFJ${fill(20)}`],
  ['openai', `sk-proj-${fill(74)}T3BlbkFJ${fill(74)}`],
  ['openai', `sk-svcacct-${fill(58)}T3BlbkFJ${fill(58)}`],
  ['anthropic', `sk-ant-api03-${fill(93)}AA`],
  ['google', `AIza${fill(35)}`],
  ['cohere', fill(40)],
  ['together', `tgp_v1_${fill(43)}`],
  ['together', hex(64)],
  ['groq', `gsk_${fill(48)}`],
  ['perplexity', `pplx-${fill(48)}`],
];

const MALFORMED: Array<[ProviderId, string, RegExp]> = [
  ['openrouter', `sk-or-v1-${hex(63)}`, /^An OpenRouter key looks like sk-or-v1- followed by 64 hex characters\.$/],
  ['openrouter', `sk-or-v1-${fill(64, 'XYZW')}`, /64 hex characters/],
  ['openai', `sk-proj-${fill(40)}`, /^An OpenAI key looks like/],
  ['anthropic', `sk-ant-api03-${fill(93)}AB`, /^An Anthropic key looks like sk-ant-api03-/],
  ['google', `AIzb${fill(35)}`, /^A Google Gemini key looks like AIza/],
  ['cohere', fill(39), /^A Cohere key looks like 40 letters and digits/],
  ['groq', `gsk_${fill(48)}x`, /^A Groq key looks like gsk_/],
  ['perplexity', `pplx-${fill(47)}`, /^A Perplexity key looks like pplx-/],
  ['together', 'tgp_v1_short', /^A Together AI key looks like tgp_v1_/],
  // A key for another provider is a common paste mistake.
  ['anthropic', `sk-or-v1-${hex(64)}`, /Anthropic key looks like/],
];

describe('checkKeyFormat', () => {
  it.each(WELL_FORMED)('accepts a well-formed %s key', (provider, key) => {
    expect(checkKeyFormat(provider, key)).toEqual({ ok: true });
  });

  it.each(MALFORMED)('rejects a malformed %s key with the expected shape', (provider, key, message) => {
    const result = checkKeyFormat(provider, key);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.severity).toBe('unrecognized');
      expect(result.message).toMatch(message);
      expect(result.message).not.toContain(key);
    }
  });

  it.each([
    ['', /empty/],
    [`sk-or-v1-${hex(32)} ${hex(32)}`, /spaces or line breaks/],
    [`sk-or-v1-${hex(64)}\n`, /spaces or line breaks/],
    [`\tsk-or-v1-${hex(64)}`, /spaces or line breaks/],
    [`sk-or-v1-${hex(600)}`, /longer than 512/],
  ])('always rejects obviously bad input (%#)', (key, message) => {
    for (const provider of ['openrouter', 'cohere'] as const) {
      const result = checkKeyFormat(provider, key);
      expect(result).toEqual({ ok: false, severity: 'invalid', message: expect.stringMatching(message) });
    }
  });
});
