import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { errorShapeProblem } from './support/error-shape.js';
import { startSecurityHarness, type SecurityHarness } from './support/security-harness.js';

/**
 * The error shape at the edges the schema fuzz found: answers Fastify gives before any route runs,
 * the static-file plugin, the proxy's request ids and its relayed upstream failures.
 */

let h: SecurityHarness;
let user: Record<string, string>;
beforeAll(async () => {
  h = await startSecurityHarness('error_shape');
  user = await h.bearer('shape-user');
  const saved = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: user, payload: { provider: 'openai', api_key: fakeKey('openai', 'valid', 'shape') } });
  expect(saved.statusCode).toBe(201);
});
afterAll(() => h?.close());

describe('error shape at the edges', () => {
  it('keeps a client request id in both the header and the body of an API error (control)', async () => {
    const res = await h.app.inject({ url: '/api/v1/llm/byok/keys/nope', headers: { ...user, 'x-request-id': 'client-id-1' } });
    expect(res.statusCode).toBe(400);
    expect(errorShapeProblem(res)).toBeUndefined();
    expect(res.headers['x-request-id']).toBe('client-id-1');
  });

  // Fastify's router raises these before any route runs; frameworkErrors sends them through our mapping.
  it('answers malformed and over-long paths in the error shape', async () => {
    for (const url of ['/api/v1/llm/byok/keys/%zz', '/api/v1/llm/tokens/%E0%A4%A', `/api/v1/llm/byok/keys/${'x'.repeat(101)}`]) {
      const res = await h.app.inject({ url, headers: user });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(errorShapeProblem(res), `${url}: ${res.body}`).toBeUndefined();
    }
  });

  // Framework 4xx answers get the code of their status (CODE_FOR_CLIENT_STATUS in libs/http).
  it('answers a refused directory listing with a code that matches its status', async () => {
    const res = await h.app.inject({ url: '/assets/' });
    expect(res.statusCode).toBe(403);
    expect(errorShapeProblem(res), res.body).toBeUndefined();
  });

  // The proxy keeps a client's request id in both the header and the body of its errors.
  it('gives a proxied routing error one request id, in the header and the body', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...user, 'x-request-id': 'client-id-2' },
      payload: { model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(errorShapeProblem(res), `${res.headers['x-request-id']} ${res.body}`).toBeUndefined();
  });

  // An upstream 500 (OpenAI's `server_error`) is relayed as 502: a gateway 500 means a gateway bug.
  it('answers an upstream 500 with 502', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: user,
      payload: { model: 'openai/gpt-4o-mini-mid-stream-error', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(res.headers['x-byok-provider']).toBe('openai');
    expect(res.statusCode, res.body).toBe(502);
    expect(res.headers['x-byok-upstream-status']).toBe('500');
    expect(res.json().error).toMatchObject({ type: 'server_error', code: 'upstream_error' });
  });
});
