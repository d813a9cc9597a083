import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey } from '@byok/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { deleteRedisPrefix } from '../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { stageDockerTarget, type StagedImage } from './support/docker-build-sim.js';
import { REPO_ROOT, runCommand, type StartedCommand, startCommand } from './support/shell-command.js';

/**
 * Issue #20 item 1: the compose stack served no page, because the image never built it. There is
 * no Docker engine here, so the image's file set is built the way the Dockerfile builds it
 * (support/docker-build-sim.ts) and run the way docker-compose.yml runs it: the `migrate` command,
 * then the API with NODE_ENV=production.
 */
describe('the runtime image, built as the Dockerfile builds it and run as compose runs it', () => {
  let image: StagedImage;
  let db: TestDatabase;
  let api: StartedCommand;
  let base: string;
  const redisPrefix = uniqueTestName('docker_image');

  beforeAll(async () => {
    image = stageDockerTarget(REPO_ROOT, 'runtime');
    db = await createTestDatabase('docker_image', { migrate: false });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // docker-compose.yml's x-app-environment, pointed at this test's database and Redis prefix.
    const env = {
      ...image.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: db.url,
      REDIS_URL: testServiceUrls().redisUrl,
      REDIS_PREFIX: redisPrefix,
      BYOK_ENCRYPTION_KEYS: generateKey(),
      AUTH_JWT_SECRET: 'docker-image-test-secret-0123456789abcdef',
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      // Compose's Redis writes an append-only file; the shared test Redis does not, and production
      // refuses such a Redis by default (REDIS_PERSISTENCE_CHECK), so here it only warns.
      REDIS_PERSISTENCE_CHECK: 'warn',
    };
    const cwd = join(image.root, image.workdir);
    const run = (command: string[]): string => [...image.entrypoint, ...command].map((arg) => `'${arg}'`).join(' ');
    const migrated = await runCommand(run(['libs/db/scripts/migrate.ts']), env, cwd);
    expect(migrated.code, migrated.output).toBe(0);
    api = startCommand(run(image.cmd), env, cwd);
  }, 240_000);

  afterAll(async () => {
    await api?.stop();
    await db?.drop();
    await deleteRedisPrefix(redisPrefix);
    image?.remove();
  }, 60_000);

  it('holds the built page, and nothing .dockerignore keeps out', () => {
    const app = join(image.root, image.workdir);
    expect(existsSync(join(app, 'apps/web/dist/index.html'))).toBe(true);
    for (const absent of ['test', 'scripts', 'bench', '.env', 'apps/web/src/keys/key-form.test.tsx']) expect(existsSync(join(app, absent)), absent).toBe(false);
    console.log(`[docker-image] substituted steps:\n  ${image.substitutions.join('\n  ')}`);
  });

  it('serves /readyz and the web page at / with NODE_ENV=production', { timeout: 90_000 }, async () => {
    await expect.poll(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status, { timeout: 60_000, interval: 500, message: api.output() }).toBe(200);
    const page = await fetch(`${base}/`);
    expect(page.status, api.output()).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<div id="root">');
  });
});
