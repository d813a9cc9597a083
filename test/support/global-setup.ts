import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { deleteRedisKeysMatching } from './redis-cleanup.js';
import { startMissingServices } from './service-containers.js';
import { TEST_RUN_ID_VARIABLE, testRunRedisPattern, testServiceUrls } from './services.js';

/** Whether something accepts connections at the URL's host and port (2 s at most). */
function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.end();
      resolve(true);
    });
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.on('error', () => resolve(false));
  });
}

/**
 * Probes the services and starts in containers those that do not answer (where a container
 * engine exists; the run fails with what to do where none does), then gives this run an id that
 * every test name carries. The workers are forked after this and inherit both through the
 * environment. The teardown fails the run when any Redis key under one of those names is left:
 * each test file must drop its prefix. The leftovers are deleted too, so a failing run does not
 * litter the shared server.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const urls = testServiceUrls();
  const missing = { postgres: !(await answers(urls.postgresAdminUrl)), redis: !(await answers(urls.redisUrl)) };
  const containers = missing.postgres || missing.redis ? await startMissingServices(missing) : undefined;
  if (containers?.postgresAdminUrl !== undefined) process.env.PG_URL = containers.postgresAdminUrl;
  if (containers?.redisUrl !== undefined) process.env.REDIS_URL = containers.redisUrl;
  const runId = `r${randomBytes(4).toString('hex')}`;
  process.env[TEST_RUN_ID_VARIABLE] = runId;
  return async () => {
    try {
      await failOnLeftKeys(runId);
    } finally {
      await containers?.stop();
    }
  };
}

async function failOnLeftKeys(runId: string): Promise<void> {
  const left = await deleteRedisKeysMatching(testRunRedisPattern(runId));
  if (left.length === 0) return;
  const prefixes = [...new Set(left.map((key) => key.slice(0, key.indexOf(':') === -1 ? key.length : key.indexOf(':'))))];
  // vitest reports an error thrown here but still exits 0, so the exit code is set as well.
  process.exitCode = 1;
  throw new Error(`${left.length} Redis keys were left behind by test prefixes ${prefixes.join(', ')} (now deleted): the test files that made them must delete their prefix (deleteRedisPrefix) in afterAll.`);
}
