import { spawn } from 'node:child_process';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../proxy/support/proxy-harness.js';
import { startApiHarness, TEST_ENCRYPTION_KEY, TEST_JWT_SECRET, type ApiHarness } from '../support/api-harness.js';
import { freePort } from '../support/free-port.js';
import { testServiceUrls } from '../support/services.js';

// Issue #12 ("also found while using it"): the service crashed with an unhandled ECONNREFUSED
// when stopped while its OTLP collector was unreachable. Stopping must be a clean exit (0), with
// one line saying the final export was dropped.

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness('otlp_unreachable');
});
afterAll(() => h?.close());

describe('stopping the API while the OTLP collector is unreachable', () => {
  it('exits 0 on SIGTERM with one line about the dropped export, and no unhandled error', async () => {
    const [port, collectorPort] = [await freePort(), await freePort()];
    // Nothing listens on collectorPort: every export is refused.
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: h.db.url,
      REDIS_URL: testServiceUrls().redisUrl,
      REDIS_PREFIX: h.redisPrefix,
      BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
      OTEL_SERVICE_NAME: 'byok-api-shutdown-test',
      // One process (the default is one per core): the one export this test counts.
      API_WORKERS: '1',
    };
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@byok/source', '--import', './libs/telemetry/src/instrument.ts', 'apps/api/src/main.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await waitFor(
      async () => {
        const res = await request(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        await res?.body.dump();
        return res?.statusCode === 200 ? true : undefined;
      },
      // A cold `tsx` start of the API takes 10-30 s on a loaded two-core machine.
      90_000,
      'the API process to listen',
    );
    // One traced request, so there is something to export on the way out.
    await (await request(`http://127.0.0.1:${port}/api/v1/llm/byok/providers`)).body.dump();
    child.kill('SIGTERM');

    expect(await exited, stderr).toBe(0);
    expect(stderr).toContain('telemetry: the final export to the OpenTelemetry collector failed');
    expect(stderr).not.toMatch(/triggerUncaughtException|Unhandled|at TCPConnectWrap/);
  }, 150_000);
});
