import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from '../proxy/support/proxy-harness.js';

/**
 * Issue #12: "A hostile upstream can echo the platform key into a 2xx body and the proxy relays
 * it." The upstream here echoes the bearer key it was called with: whole in a completion, and
 * three characters per delta in a stream.
 */

let h: ProxyHarness;
let echo: Server;

function startEchoUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += String(c);
    });
    req.on('end', () => {
      const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const body = JSON.parse(raw) as { model: string; stream?: boolean };
      const head = { id: `chatcmpl-${key.slice(0, 12)}`, object: 'chat.completion.chunk', created: 1, model: body.model };
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...head, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: `the key is ${key}` }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
      for (let i = 0; i < key.length; i += 3) event({ ...head, choices: [{ index: 0, delta: { content: key.slice(i, i + 3) }, finish_reason: null }] });
      event({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      event({ ...head, choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  echo = await startEchoUpstream();
  const port = (echo.address() as AddressInfo).port;
  h = await startProxyHarness('key_echo', { systemKeyProviders: ['together'], env: { PROVIDER_TOGETHER_BASE_URL: `http://127.0.0.1:${port}/v1` } });
  await h.grantCredits('echo-user', 1_000_000);
});
afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => echo?.close(resolve));
});

async function post(stream: boolean): Promise<string> {
  const res = await request(`${h.proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt('echo-user')}` },
    body: JSON.stringify({ model: 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo', messages: [{ role: 'user', content: 'hi' }], stream }),
  });
  expect(res.statusCode).toBe(200);
  expect(res.headers['x-byok-provider']).toBe('together');
  return res.body.text();
}

/** The answer text a client would assemble: the message content, or the stream's deltas joined. */
function assembled(text: string): string {
  return [...text.matchAll(/"content":"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]).join('');
}

describe('the platform key echoed by a hostile upstream into a 2xx answer is scrubbed', () => {
  it.each([false, true])('stream %s: no 8-character run of the key reaches the client', async (stream) => {
    const key = h.systemKeys.together ?? '';
    expect(key.length).toBeGreaterThan(16);
    const text = await post(stream);
    const answer = assembled(text);
    expect(answer).toContain('[redacted]');
    for (let i = 0; i + 8 <= key.length; i++) {
      expect(text).not.toContain(key.slice(i, i + 8));
      expect(answer).not.toContain(key.slice(i, i + 8));
    }
  });
});
