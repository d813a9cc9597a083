import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { deleteRedisKeysMatching } from './redis-cleanup.js';
import { TEST_RUN_ID_VARIABLE, testRunRedisPattern, testServiceUrls } from './services.js';

/** Fails the run early, with a clear message, when Postgres or Redis is not reachable. */
function probe(label: string, url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.end();
      resolve();
    });
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.on('error', (err) =>
      reject(new Error(`${label} is not reachable at ${hostname}:${port} (${err.message}). Start it or set ${label === 'Postgres' ? 'PG_URL' : 'REDIS_URL'}.`)),
    );
  });
}

/**
 * Probes the services, then gives this run an id that every test name carries (the workers are
 * forked after this and inherit it). The teardown fails the run when any Redis key under one of
 * those names is left: each test file must drop its prefix. The leftovers are deleted too, so a
 * failing run does not litter the shared server.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const urls = testServiceUrls();
  await probe('Postgres', urls.postgresAdminUrl);
  await probe('Redis', urls.redisUrl);
  const runId = `r${randomBytes(4).toString('hex')}`;
  process.env[TEST_RUN_ID_VARIABLE] = runId;
  return async () => {
    const left = await deleteRedisKeysMatching(testRunRedisPattern(runId));
    if (left.length === 0) return;
    const prefixes = [...new Set(left.map((key) => key.slice(0, key.indexOf(':') === -1 ? key.length : key.indexOf(':'))))];
    // vitest reports an error thrown here but still exits 0, so the exit code is set as well.
    process.exitCode = 1;
    throw new Error(`${left.length} Redis keys were left behind by test prefixes ${prefixes.join(', ')} (now deleted): the test files that made them must delete their prefix (deleteRedisPrefix) in afterAll.`);
  };
}
