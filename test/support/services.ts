/**
 * Where the tests find Postgres and Redis: loopback unless PG_URL / REDIS_URL say otherwise. The
 * global setup starts a container for a service that does not answer there (service-containers.ts)
 * and sets the variable to it before any test worker starts.
 */
export function testServiceUrls(): { postgresAdminUrl: string; redisUrl: string } {
  return {
    postgresAdminUrl: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}

/**
 * The variable through which the global setup hands its run id to every test worker, so that
 * the teardown can find what this run (and no concurrent run on the shared servers) left behind.
 */
export const TEST_RUN_ID_VARIABLE = 'BYOK_TEST_RUN_ID';

/** The SCAN pattern of every Redis key under a name `uniqueTestName` made during run `runId`. */
export function testRunRedisPattern(runId: string): string {
  return `t_*_${runId}_*`;
}

/**
 * A name unique to this test file and worker, safe for database names and Redis prefixes:
 * `t_<label>_<run id>_<pool>_<random>`. Outside a vitest run (a bench) the run id is `norun`.
 */
export function uniqueTestName(label: string): string {
  const run = process.env[TEST_RUN_ID_VARIABLE] ?? 'norun';
  const pool = process.env.VITEST_POOL_ID ?? '0';
  const rand = Math.random().toString(36).slice(2, 8);
  return `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${run}_${pool}_${rand}`;
}
