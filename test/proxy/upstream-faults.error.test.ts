import OpenAI, { APIError } from 'openai';
import { createServer } from 'node:http';
import { request } from 'undici';
import type { KeyTestJob } from '@byok/queues';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialId } from '@byok/mock-providers';
import { startProxyHarness, waitFor, type ProxyHarness } from './support/proxy-harness.js';

/**
 * What the proxy does when the upstream misbehaves: refuses the key, answers too slowly, redirects,
 * rate-limits, fails mid-stream, cannot be reached — and when the client leaves mid-stream.
 */

let h: ProxyHarness;
let stall: StallServer;
beforeAll(async () => {
  stall = await startStallServer();
  h = await startProxyHarness('proxy_faults', {
    slowDelayMs: 5000,
    settings: { upstreamHeadersTimeoutMs: 1500, upstreamBodyTimeoutMs: 1000 },
    env: {
      // Perplexity's base URL points at a port nobody listens on.
      PROVIDER_PERPLEXITY_BASE_URL: 'http://127.0.0.1:9/perplexity',
      // Together's at an upstream that starts answering, then goes silent.
      PROVIDER_TOGETHER_BASE_URL: `${stall.url}/v1`,
    },
  });
});
afterAll(async () => {
  await h?.close();
  await stall?.close();
});

interface StallServer {
  url: string;
  close(): Promise<void>;
}

/** An upstream that sends its headers and the start of an answer, then nothing more. */
async function startStallServer(): Promise<StallServer> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += String(chunk)));
    req.on('end', () => {
      if ((JSON.parse(text) as { stream?: boolean }).stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ id: 'stall-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] })}\n\n`);
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"id":"stall-1",');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const messages = [{ role: 'user', content: 'Say hello to me' }];

async function post(user: string, body: unknown) {
  const res = await request(`${h.proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt(user)}` },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: JSON.parse(text) as { error: Record<string, unknown> } };
}

async function keyTestJobs(): Promise<KeyTestJob[]> {
  const jobs = await h.proxy.runtime.producers.keyTests.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'], 0, -1);
  return jobs.map((job) => job.data as KeyTestJob);
}

describe('a key the upstream refuses', () => {
  it('passes the 401 on in OpenAI shape, scrubbed of the key, and queues one re-validation of that key version; the key then cools down', async () => {
    const { id, apiKey } = await h.addKey('refused-user', 'openai', 'invalid');
    const res = await post('refused-user', { model: 'gpt-4o-mini', messages });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key', request_id: res.headers['x-request-id'] });
    expect(res.text).not.toContain(apiKey.slice(-12));
    expect(res.text).not.toContain(apiKey.slice(0, 16));
    for (let i = 0; i < 2; i++) {
      // A refused key is cooled (5 s, doubling) and skipped meanwhile, like a rate-limited one.
      const cooling = await post('refused-user', { model: 'gpt-4o-mini', messages });
      expect(cooling.status).toBe(400);
      expect(cooling.json.error).toMatchObject({ code: 'no_route', retry_after: expect.any(Number) });
      expect(cooling.json.error.message).toContain('your OpenAI key is cooling down after the provider refused or rate-limited it');
    }
    const job = await waitFor(async () => (await keyTestJobs()).find((j) => j.keyId === id && j.reason === 'rejected_upstream'), 3000, 'the re-validation job');
    expect(job).toMatchObject({ keyId: id, keyVersion: 1, userId: 'refused-user', provider: 'openai', reason: 'rejected_upstream', actorId: 'system' });
    expect((await keyTestJobs()).filter((j) => j.keyId === id && j.reason === 'rejected_upstream')).toHaveLength(1);
  });

  it('treats Gemini\'s 400 API_KEY_INVALID as a refused key (401) too', async () => {
    const { id } = await h.addKey('refused-gemini', 'google', 'invalid');
    const res = await post('refused-gemini', { model: 'gemini-2.0-flash', messages });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('invalid_api_key');
    await waitFor(async () => (await keyTestJobs()).find((j) => j.keyId === id && j.reason === 'rejected_upstream'), 3000, 'the re-validation job');
  });
});

describe('an upstream that fails without a usable answer', () => {
  it('answers 504 upstream_timeout when the headers do not come in time', async () => {
    await h.addKey('slow-user', 'openai', 'slow');
    const started = Date.now();
    const res = await post('slow-user', { model: 'gpt-4o-mini', messages });
    expect(res.status).toBe(504);
    expect(res.json.error).toMatchObject({ code: 'upstream_timeout', message: 'OpenAI did not answer in time' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('answers 504 upstream_timeout when the body stops coming', async () => {
    await h.addKey('stall-user', 'together');
    const res = await post('stall-user', { model: 'together/m', messages });
    expect(res.status).toBe(504);
    expect(res.json.error).toMatchObject({ code: 'upstream_timeout', message: 'Together AI did not answer in time' });
    const event = await waitFor(async () => (await h.usageEvents()).find((e) => e.userId === 'stall-user'), 3000, 'the usage event');
    expect(event.statusCode).toBe(504);
  });

  it('ends a stream whose upstream goes silent with an error event, and records it as a timeout', async () => {
    await h.addKey('stall-stream-user', 'together');
    const res = await request(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt('stall-stream-user')}` },
      body: JSON.stringify({ model: 'together/m', messages, stream: true }),
    });
    expect(res.statusCode).toBe(200);
    const text = await res.body.text();
    expect(text).toContain('"content":"Hi"');
    expect(text).toContain('upstream_stream_truncated');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const event = await waitFor(async () => (await h.usageEvents()).find((e) => e.userId === 'stall-stream-user'), 3000, 'the usage event');
    expect(event).toMatchObject({ statusCode: 504, stream: true });
  });

  it('answers 502 upstream_error to a redirect and never follows it', async () => {
    await h.addKey('redirect-user', 'openai', 'redirect');
    const res = await post('redirect-user', { model: 'gpt-4o-mini', messages });
    expect(res.status).toBe(502);
    expect(res.json.error.code).toBe('upstream_error');
    expect(res.json.error.message).toContain('redirect (HTTP 302)');
    expect(h.mock.calls().filter((c) => c.route === 'redirect-target')).toEqual([]);
  });

  it('answers 502 upstream_error when the upstream cannot be reached', async () => {
    await h.addKey('down-user', 'perplexity');
    const res = await post('down-user', { model: 'sonar', messages });
    expect(res.status).toBe(502);
    expect(res.json.error).toMatchObject({ code: 'upstream_error', message: 'Could not reach Perplexity' });
  });

  it('turns OpenRouter\'s error-with-a-200 into the error it stands for', async () => {
    await h.addKey('or-error-user', 'openrouter');
    const res = await post('or-error-user', { model: 'openai/gpt-4o-mini-mid-stream-error', messages });
    expect(res.status).toBe(502);
    expect(res.json.error).toMatchObject({ message: 'Provider returned error', type: 'server_error' });
  });

  it('aborts the upstream request when the client leaves before the upstream answered', async () => {
    const { apiKey } = await h.addKey('leaving-user', 'openai', 'slow', 'leaving');
    const controller = new AbortController();
    const pending = request(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt('leaving-user')}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages }),
      signal: controller.signal,
    }).catch(() => undefined);
    await waitFor(() => h.mock.calls().some((c) => c.credential === credentialId(apiKey)), 3000, 'the upstream call to start');
    controller.abort();
    await pending;
    await waitFor(() => h.mock.calls().find((c) => c.credential === credentialId(apiKey) && c.aborted), 3000, 'the upstream call to be aborted');
    const event = await waitFor(async () => (await h.usageEvents()).find((e) => e.userId === 'leaving-user'), 3000, 'the usage event');
    expect(event).toMatchObject({ statusCode: 499, stream: false, promptTokens: 0 });
  });

  it('passes a 429 on with its retry-after', async () => {
    await h.addKey('limited-user', 'groq', 'rate_limited');
    const res = await post('limited-user', { model: 'groq/llama-3.1-8b-instant', messages });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json.error.code).toBe('rate_limit_exceeded');
  });
});

describe('streams', () => {
  it('delivers an error that happens mid-stream as an OpenAI error event, which the SDK raises', async () => {
    await h.addKey('mid-user', 'anthropic');
    const client = new OpenAI({ baseURL: `${h.proxy.url}/v1`, apiKey: await h.jwt('mid-user'), maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'claude-3-5-haiku-mid-stream-error', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    const read = async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    };
    const error = await read().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(String((error as APIError).message)).toMatch(/overloaded/i);
    expect(text).toBe('Hello from');
  });

  it('aborts the upstream request when the client disconnects mid-stream', async () => {
    const { apiKey } = await h.addKey('abort-user', 'openai');
    h.mock.resetCalls();
    const controller = new AbortController();
    const res = await request(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt('abort-user')}` },
      body: JSON.stringify({ model: 'gpt-4o-mini-slow-stream-300', messages, stream: true }),
      signal: controller.signal,
    });
    expect(res.statusCode).toBe(200);
    // Read the first event, then leave.
    for await (const chunk of res.body) {
      expect(String(chunk)).toContain('data:');
      break;
    }
    controller.abort();
    const call = await waitFor(() => h.mock.calls().find((c) => c.credential === credentialId(apiKey) && c.aborted), 3000, 'the upstream call to be aborted');
    expect(call.aborted).toBe(true);
    const event = await waitFor(async () => (await h.usageEvents()).find((e) => e.userId === 'abort-user'), 3000, 'the usage event');
    expect(event).toMatchObject({ statusCode: 499, stream: true, credentialSource: 'user_provider' });
  });
});
