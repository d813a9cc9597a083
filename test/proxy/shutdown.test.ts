import { type ChildProcess, spawn } from 'node:child_process';
import { PROVIDER_IDS } from '@byok/providers';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from '../support/api-harness.js';
import { testServiceUrls } from '../support/services.js';
import { startProxyHarness, waitFor, type ProxyHarness } from './support/proxy-harness.js';
import { freePort } from '../support/free-port.js';

/**
 * The proxy process itself (`apps/proxy/src/main.ts`): on SIGTERM it stops taking requests, lets a
 * stream that is under way finish, delivers its usage event, and exits 0 within the grace period.
 */

let h: ProxyHarness;
beforeAll(async () => {
  h = await startProxyHarness('proxy_shutdown');
});
afterAll(async () => h?.close());


function startProcess(port: number): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: h.api.db.url,
    REDIS_URL: testServiceUrls().redisUrl,
    REDIS_PREFIX: h.api.redisPrefix,
    BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    PROXY_PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '10000',
    // One process (the default is one per core); test/processes covers draining several workers.
    PROXY_WORKERS: '1',
  };
  for (const id of PROVIDER_IDS) env[`PROVIDER_${id.toUpperCase()}_BASE_URL`] = h.mock.baseUrls[id];
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@byok/source', 'apps/proxy/src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return waitFor(
    async () => {
      const res = await request(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      if (!res) return undefined;
      await res.body.dump();
      return res.statusCode === 200 ? { child, exited } : undefined;
    },
    // A tsx process boots in seconds on a quiet machine, but in a minute and more at a load of 20.
    120_000,
    'the proxy process to listen',
  );
}

describe('SIGTERM', () => {
  it('finishes the stream under way, delivers its usage event, refuses new work, and exits 0', async () => {
    await h.addKey('drain-user', 'openai');
    const port = await freePort();
    const { child, exited } = await startProcess(port);
    const logs: string[] = [];
    child.stdout?.on('data', (chunk) => logs.push(String(chunk)));
    child.stderr?.on('data', (chunk) => logs.push(String(chunk)));
    const authorization = `Bearer ${await h.jwt('drain-user')}`;

    // Three events 400 ms apart: the stream is still running when the signal arrives.
    const res = await request(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ model: 'gpt-4o-mini-slow-stream-400', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(res.statusCode).toBe(200);
    const requestId = String(res.headers['x-request-id']);
    const text = res.body.text();
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 150));
    // New work is refused while the stream drains: the listener is closed (or Fastify answers 503).
    const fresh = new Agent();
    const refused = await request(`http://127.0.0.1:${port}/healthz`, { dispatcher: fresh }).then(
      async (r) => {
        await r.body.dump();
        return r.statusCode;
      },
      (error: unknown) => (error as { code?: string }).code,
    );
    expect([503, 'ECONNREFUSED']).toContain(refused);
    await fresh.close();

    const body = await text;
    expect(body).toContain('Hello');
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const code = await exited;
    if (code !== 0) console.log(logs.join(''));
    expect(code).toBe(0);
    const event = (await h.usageEvents()).find((e) => e.requestId === requestId);
    expect(event).toMatchObject({ userId: 'drain-user', statusCode: 200, stream: true, completionTokens: 3 });
  }, 180_000);
});
