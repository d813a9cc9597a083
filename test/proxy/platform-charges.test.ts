import type { UsageEvent } from '@byok/queues';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialId } from '@byok/mock-providers';
import { type ProxyHarness, type ProxyInstance, startProxyHarness, waitFor } from './support/proxy-harness.js';

/**
 * Security findings of issue #12 on the platform key's charges:
 * - item 1, "platform-key streams cut by the client are not charged": a client that closes the
 *   socket just before the usage chunk (or a stream that breaks off upstream) paid nothing;
 * - item 2, "concurrent requests overrun a small balance": 30 parallel requests against a balance
 *   checked as `> 0` from a 2 s cache took it far below zero.
 */

const messages = [{ role: 'user', content: 'Say hello to the gateway please' }];
/** The mock counts words: 6 prompt tokens, 3 completion tokens; gpt-4o costs 2.5 / 10 micro-USD per token. */
const FULL_COST_MICRO = 6 * 2.5 + 3 * 10;

let h: ProxyHarness;
beforeAll(async () => {
  h = await startProxyHarness('platform_charges', { systemKeyProviders: ['openai'] });
});
afterAll(async () => {
  await h?.close();
});

async function eventOf(requestId: string): Promise<UsageEvent> {
  return waitFor(async () => (await h.usageEvents()).find((e) => e.requestId === requestId), 8000, `the usage event of ${requestId}`);
}

/** Starts a stream, reads events until `enough` says so, then closes the connection. Returns the request id. */
async function cutStream(proxy: ProxyInstance, userId: string, model: string, enough: (text: string) => boolean, byok = false): Promise<string> {
  const controller = new AbortController();
  const res = await request(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt(userId)}` },
    body: JSON.stringify({ model, messages, stream: true }),
    signal: controller.signal,
  });
  expect(res.statusCode).toBe(200);
  expect(res.headers['x-byok-used']).toBe(String(byok));
  let text = '';
  for await (const chunk of res.body) {
    text += String(chunk);
    if (enough(text)) break;
  }
  controller.abort();
  return String(res.headers['x-request-id']);
}

async function fullStream(userId: string, model: string): Promise<string> {
  const res = await request(`${h.proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt(userId)}` },
    body: JSON.stringify({ model, messages, stream: true }),
  });
  expect(res.statusCode).toBe(200);
  await res.body.text();
  return String(res.headers['x-request-id']);
}

describe('platform-key streams cut by the client are charged (finding 1)', () => {
  it('reads the upstream on to its usage after the client left, and charges what a full stream costs', async () => {
    await h.grantCredits('cut-user', 1_000_000);
    const full = await eventOf(await fullStream('cut-user', 'gpt-4o-slow-stream-50'));
    expect(full).toMatchObject({ statusCode: 200, promptTokens: 6, completionTokens: 3, creditsMicro: FULL_COST_MICRO });
    expect(full.estimated).toBeUndefined();

    h.mock.resetCalls();
    // Leave after the second word, before the last word and the usage chunk.
    const requestId = await cutStream(h.proxy, 'cut-user', 'gpt-4o-slow-stream-50', (text) => text.includes(' from'));
    const cut = await eventOf(requestId);
    expect(cut).toMatchObject({ statusCode: 499, credentialSource: 'system', promptTokens: 6, completionTokens: 3, creditsMicro: FULL_COST_MICRO });
    expect(cut.estimated).toBeUndefined();
    // The upstream was read to its end, not aborted.
    expect(h.mock.calls().find((c) => c.credential === credentialId(h.systemKeys.openai ?? ''))?.aborted).toBe(false);
  });

  it('charges an estimate, marked as such, when the usage cannot be read within the drain bound', async () => {
    const impatient = await h.startProxy({ settings: { streamDrainMs: 50 } });
    await h.grantCredits('bound-user', 1_000_000);
    // Events 200 ms apart: after the client leaves, the next one does not come within 50 ms.
    const requestId = await cutStream(impatient, 'bound-user', 'gpt-4o-slow-stream', (text) => text.includes('Hello'));
    const event = await eventOf(requestId);
    expect(event).toMatchObject({ statusCode: 499, credentialSource: 'system', estimated: true });
    // The prompt as estimated (its messages as JSON, 4 bytes a token) and the word relayed.
    const promptEstimate = Math.ceil(Buffer.byteLength(JSON.stringify(messages)) / 4);
    expect(event.promptTokens).toBe(promptEstimate);
    expect(event.completionTokens).toBeGreaterThanOrEqual(1);
    expect(event.creditsMicro).toBeGreaterThan(0);
    expect(event.creditsMicro).toBe(event.costMicro);
  });

  it('charges an estimate when the stream breaks off upstream (502)', async () => {
    await h.grantCredits('broken-user', 1_000_000);
    const requestId = await fullStream('broken-user', 'gpt-4o-mid-stream-error');
    const event = await eventOf(requestId);
    expect(event).toMatchObject({ statusCode: 502, credentialSource: 'system', estimated: true });
    expect(event.promptTokens).toBeGreaterThan(0);
    expect(event.creditsMicro).toBeGreaterThan(0);
  });

  it('a stream still read for its usage when the proxy stops is charged from what is known, not lost', async () => {
    const stopping = await h.startProxy();
    await h.grantCredits('stop-user', 1_000_000);
    // Events 2 s apart: the stream is still being read when the proxy stops.
    const requestId = await cutStream(stopping, 'stop-user', 'gpt-4o-slow-stream-2000', (text) => text.includes('Hello'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // What `services.close()` does first on shutdown, before it flushes the usage buffer.
    await stopping.services.drains.stopAll();
    const event = await eventOf(requestId);
    expect(event).toMatchObject({ statusCode: 499, credentialSource: 'system', estimated: true });
    expect(event.creditsMicro).toBeGreaterThan(0);
  });

  it('still aborts a BYOK stream at once when its client leaves (the user pays the provider, not us)', async () => {
    const { apiKey } = await h.addKey('byok-cut-user', 'openai');
    h.mock.resetCalls();
    const requestId = await cutStream(h.proxy, 'byok-cut-user', 'gpt-4o-slow-stream-300', (text) => text.includes('data:'), true);
    await waitFor(() => h.mock.calls().find((c) => c.credential === credentialId(apiKey) && c.aborted), 3000, 'the upstream call to be aborted');
    expect(await eventOf(requestId)).toMatchObject({ statusCode: 499, credentialSource: 'user_provider', creditsMicro: 0 });
  });
});

describe('concurrent requests cannot overrun a small balance (finding 2)', () => {
  it('a 30-way burst across two proxy instances spends at most the balance plus one estimate error', async () => {
    const second = await h.startProxy();
    const balance = 200;
    await h.grantCredits('burst-user', balance);
    const jwt = await h.jwt('burst-user');
    const body = JSON.stringify({ model: 'gpt-4o', messages, max_tokens: 5 });
    const results = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const res = await request(`${(i % 2 === 0 ? h.proxy : second).url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
          body,
        });
        const json = (await res.body.json()) as { error?: { code: string; message: string } };
        return { status: res.statusCode, json, requestId: String(res.headers['x-request-id']) };
      }),
    );
    const served = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 402);
    expect(served.length + refused.length).toBe(30);
    expect(served.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.json.error?.code).toBe('insufficient_credits');
    expect(refused[0]?.json.error?.message).toMatch(/may cost up to \d+ micro-credits/);

    const events = await Promise.all(served.map((r) => eventOf(r.requestId)));
    const charged = events.reduce((sum, e) => sum + e.creditsMicro, 0);
    // Each answer costs 45 and its estimate is larger (prompt as JSON + max_tokens), so no request
    // costs more than it reserved: the balance never goes below zero.
    expect(events.every((e) => e.creditsMicro === FULL_COST_MICRO)).toBe(true);
    expect(balance - charged).toBeGreaterThanOrEqual(0);
    // Refused requests called no upstream and recorded no usage.
    const all = await h.usageEvents();
    for (const r of refused) expect(all.find((e) => e.requestId === r.requestId)).toBeUndefined();
  });
});
