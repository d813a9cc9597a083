/**
 * Where the tests find Postgres and Redis. This machine runs both on loopback; elsewhere set
 * PG_URL / REDIS_URL (CI on a Docker host may point them at testcontainers).
 */
export function testServiceUrls(): { postgresAdminUrl: string; redisUrl: string } {
  return {
    postgresAdminUrl: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}

/** A name unique to this test file and worker, safe for database names and Redis prefixes. */
export function uniqueTestName(label: string): string {
  const pool = process.env.VITEST_POOL_ID ?? '0';
  const rand = Math.random().toString(36).slice(2, 8);
  return `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${pool}_${rand}`;
}
