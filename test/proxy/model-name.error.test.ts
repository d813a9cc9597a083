import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './support/proxy-harness.js';

/**
 * Issue #12, item 6: "A model name with NUL is never charged" — `"gpt-4o\u0000"` went to the
 * platform key and its usage row could not be stored; a lone surrogate in a Gemini model name made
 * `encodeURIComponent` throw (500). Such names are refused at the door with a 400 naming `model`.
 */
let h: ProxyHarness;
beforeAll(async () => {
  h = await startProxyHarness('model_name', { systemKeyProviders: ['openai', 'google'] });
  await h.grantCredits('model-user', 1_000_000);
});
afterAll(async () => {
  await h?.close();
});

/** Sends the body as raw JSON text, so escapes like `\ud800` reach the server as written. */
async function post(rawBody: string) {
  const res = await request(`${h.proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt('model-user')}` },
    body: rawBody,
  });
  return { status: res.statusCode, json: (await res.body.json()) as { error: { code: string; message: string; details?: Array<{ path: string }> } } };
}

describe('a model name with NUL or an unpaired surrogate is refused at the door (finding 6)', () => {
  it.each([
    ['NUL', 'gpt-4o\\u0000'],
    ['a control character', 'gpt-4o\\u001b[0m'],
    ['a lone high surrogate (Gemini)', 'gemini-1.5-flash\\ud800'],
    ['a lone low surrogate', 'gpt-4o\\udfff'],
  ])('%s: 400 naming model, nothing sent upstream, nothing recorded', async (_what, model) => {
    h.mock.resetCalls();
    const res = await post(`{"model":"${model}","messages":[{"role":"user","content":"hi"}]}`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.message).toMatch(/model/);
    expect(res.json.error.message).toMatch(/control characters or unpaired UTF-16 surrogates/);
    expect(h.mock.calls()).toEqual([]);
  });

  it('a surrogate pair (an emoji) in a model name is text like any other', async () => {
    const res = await post('{"model":"gpt-4o-\\ud83d\\ude00","messages":[{"role":"user","content":"hi"}]}');
    expect(res.status).not.toBe(400);
    expect(res.status).toBeLessThan(500);
  });
});
