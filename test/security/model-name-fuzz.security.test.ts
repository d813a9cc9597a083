import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from '../proxy/support/proxy-harness.js';

/**
 * Fuzz class of issue #12: a lone UTF-16 surrogate or a control character in a chat request's
 * `model` (a Gemini name made `encodeURIComponent` throw: 500; a NUL made the usage unstorable).
 * Every such name is a 400 naming `model`, whichever provider the rest of the name points at.
 */
let h: ProxyHarness;
beforeAll(async () => {
  h = await startProxyHarness('model_fuzz', { systemKeyProviders: ['openai', 'google', 'anthropic', 'openrouter'] });
  await h.grantCredits('fuzz-user', 1_000_000);
});
afterAll(async () => {
  await h?.close();
});

const prefixes = fc.constantFrom('gpt-4o', 'gemini-1.5-flash', 'google/gemini-2.0-flash', 'claude-3-5-haiku', 'openai/gpt-4o-mini', '');
const poison = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).map((c) => `\\u${c.toString(16).padStart(4, '0')}`),
  fc.integer({ min: 0x7f, max: 0x9f }).map((c) => `\\u${c.toString(16).padStart(4, '0')}`),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => `\\u${c.toString(16)}`),
);

describe('fuzz: control characters and lone surrogates in model', () => {
  it('always answer 400 naming model, never 5xx', async () => {
    const jwt = await h.jwt('fuzz-user');
    await fc.assert(
      fc.asyncProperty(prefixes, poison, fc.constantFrom('', '-x', 'abc'), async (prefix, bad, suffix) => {
        const res = await request(`${h.proxy.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
          body: `{"model":"${prefix}${bad}${suffix}","messages":[{"role":"user","content":"hi"}]}`,
        });
        const json = (await res.body.json()) as { error: { code: string; message: string } };
        expect(res.statusCode).toBe(400);
        expect(json.error.message).toMatch(/model/);
      }),
      { numRuns: 150 },
    );
  });
});
