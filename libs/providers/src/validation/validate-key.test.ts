import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderDefinition } from '../provider-definition.js';
import { PROVIDERS } from '../registry/index.js';
import { validateKey } from './validate-key.js';

// A tiny scripted upstream: each test says how the next request is answered. The full mock of
// the real providers lives in apps/mock-providers; this one plays a hostile or broken upstream.
type Script = (res: ServerResponse, seen: { headers: IncomingHttpHeaders; url: string; body: string }) => void;
let script: Script = (res) => res.end('{}');
let lastSeen: { headers: IncomingHttpHeaders; url: string; body: string } | undefined;
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      lastSeen = { headers: req.headers, url: req.url ?? '', body };
      script(res, lastSeen);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const KEY = `fake-test-key-${'Zq7'.repeat(12)}`;
const run = (provider: ProviderDefinition, apiKey = KEY, timeoutMs = 1000) => validateKey({ provider, baseUrl: `${base}/`, apiKey, timeoutMs });
const json = (status: number, body: unknown, headers: Record<string, string> = {}): Script => (res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

function expectNoKeyMaterial(text: string): void {
  for (let i = 0; i + 8 <= KEY.length; i++) expect(text).not.toContain(KEY.slice(i, i + 8));
}

describe('validateKey request shape', () => {
  it.each([
    ['openai', 'GET', '/models', { authorization: `Bearer ${KEY}` }],
    ['anthropic', 'GET', '/v1/models?limit=1000', { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }],
    ['google', 'GET', '/v1beta/models?pageSize=1000', { 'x-goog-api-key': KEY }],
    ['cohere', 'POST', '/v1/check-api-key', { authorization: `Bearer ${KEY}` }],
    ['openrouter', 'GET', '/key', { authorization: `Bearer ${KEY}` }],
  ] as const)('%s: %s %s with the provider auth headers', async (id, _method, url, headers) => {
    script = json(200, {});
    await run(PROVIDERS[id]);
    expect(lastSeen?.url).toBe(url);
    expect(lastSeen?.headers).toMatchObject(headers);
  });

  it('sends the Perplexity check body', async () => {
    script = json(200, { choices: [] });
    await run(PROVIDERS.perplexity);
    expect(JSON.parse(lastSeen?.body ?? '')).toEqual({ model: 'sonar', max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] });
    expect(lastSeen?.headers['content-type']).toBe('application/json');
  });
});

describe('validateKey against a hostile or broken upstream', () => {
  it.each([401, 429, 500, 418])('scrubs a key echoed in a %i body', async (status) => {
    script = json(status, { error: { message: `key ${KEY} rejected; prefix ${KEY.slice(0, 12)}; tail ${KEY.slice(-10)}`, code: 'x' } }, { 'retry-after': '2' });
    const outcome = await run(PROVIDERS.openai);
    expectNoKeyMaterial(JSON.stringify(outcome));
    expect(outcome.message).toContain('[redacted]');
  });

  it('scrubs a key echoed in a redirect location and never follows it', async () => {
    let followed = false;
    script = (res, seen) => {
      if (seen.url.startsWith('/elsewhere')) followed = true;
      res.writeHead(301, { location: `${base}/elsewhere?k=${KEY}` }).end();
    };
    const outcome = await run(PROVIDERS.groq);
    expect(outcome).toMatchObject({ status: 'unreachable', httpStatus: 301 });
    expect(followed).toBe(false);
    expectNoKeyMaterial(JSON.stringify(outcome));
  });

  it('caps a huge error message', async () => {
    script = json(401, { error: { message: 'x'.repeat(100_000) } });
    const outcome = await run(PROVIDERS.openai);
    expect(outcome.status).toBe('invalid');
    expect(outcome.message.length).toBeLessThanOrEqual(400);
  });

  it('reads only the first 2 MB of a body and still reports the key valid', async () => {
    script = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"data":[${'{"id":"m"},'.repeat(400_000)}{"id":"last"}]}`);
    };
    const outcome = await run(PROVIDERS.openai);
    expect(outcome).toMatchObject({ status: 'valid', details: { modelsTruncated: true } });
    expect(outcome.models).toBeUndefined();
  });

  it('treats a 200 web page as unreachable, not valid', async () => {
    script = (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    expect((await run(PROVIDERS.openai)).status).toBe('unreachable');
  });

  it('treats an unexpected 4xx as unreachable, never as invalid', async () => {
    script = json(404, { error: { message: 'no such route' } });
    const outcome = await run(PROVIDERS.together);
    expect(outcome).toMatchObject({ status: 'unreachable', httpStatus: 404 });
    expect(outcome.message).toContain('does not recognise');
  });

  it('reads OpenAI insufficient_quota as no_credit but a plain 429 as rate_limited', async () => {
    script = json(429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } });
    expect((await run(PROVIDERS.openai)).status).toBe('no_credit');
    script = json(429, { error: { message: 'slow down', code: 'rate_limit_exceeded' } });
    expect((await run(PROVIDERS.openai)).status).toBe('rate_limited');
  });

  it('reads a Gemini 400 that is not about the key as unreachable', async () => {
    script = json(400, { error: { code: 400, message: 'User location is not supported', status: 'FAILED_PRECONDITION' } });
    expect((await run(PROVIDERS.google)).status).toBe('unreachable');
  });

  it('reads Cohere valid:false as invalid', async () => {
    script = json(200, { valid: false });
    expect((await run(PROVIDERS.cohere)).status).toBe('invalid');
  });

  it('flags a truncated Gemini model list', async () => {
    script = json(200, { models: [{ name: 'models/gemini-2.0-flash' }], nextPageToken: 'more' });
    expect(await run(PROVIDERS.google)).toMatchObject({ models: ['gemini-2.0-flash'], details: { modelsTruncated: true } });
  });

  it('times out when headers never come', async () => {
    script = () => undefined;
    const outcome = await run(PROVIDERS.groq, KEY, 200);
    expect(outcome).toMatchObject({ status: 'unreachable', message: 'Groq did not answer within 200 ms.' });
  });

  it('times out when the body stalls', async () => {
    script = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":[');
    };
    const outcome = await run(PROVIDERS.groq, KEY, 200);
    expect(outcome).toMatchObject({ status: 'unreachable', message: 'Groq did not answer within 200 ms.' });
  });

  it('reports a refused connection as unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const outcome = await validateKey({ provider: PROVIDERS.openai, baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: KEY, timeoutMs: 1000 });
    expect(outcome).toMatchObject({ status: 'unreachable', message: 'Could not connect to OpenAI (connection refused).' });
  });
});
