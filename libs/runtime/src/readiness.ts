import { withTimeout } from '@byok/batch';
import type { Orm } from '@byok/db';

/** One dependency or part of a process, as a probe found it. */
export type CheckState = 'ok' | 'down';

/**
 * What a process can serve: `ok` everything; `degraded` part of it (e.g. the API reads keys while
 * Redis is away, a worker holds its jobs while Postgres is away); `down` nothing useful.
 * Every process reports this one shape: `{ status, checks: { postgres, redis, ... } }`.
 */
export interface Readiness<Checks extends Record<string, CheckState> = Record<string, CheckState>> {
  status: 'ok' | 'degraded' | 'down';
  checks: Checks;
}

const CHECK_TIMEOUT_MS = 1500;

/** Postgres answers `SELECT 1` and Redis answers PING, each within 1.5 s. */
export async function probeDependencies(deps: { orm: Orm; redis: { ping(): Promise<unknown> } }): Promise<{ postgres: CheckState; redis: CheckState }> {
  const [postgres, redis] = await Promise.all([probe(() => deps.orm.em.fork().execute('SELECT 1')), probe(() => deps.redis.ping())]);
  return { postgres, redis };
}

/**
 * The process's status from its checks: `down` when a check it cannot work without (`essential`)
 * is down, `degraded` when only another one is, `ok` otherwise.
 */
export function readinessOf<Checks extends Record<string, CheckState>>(checks: Checks, essential: ReadonlyArray<keyof Checks & string>): Readiness<Checks> {
  const down = Object.entries(checks).filter(([, state]) => state === 'down').map(([name]) => name);
  const status = down.some((name) => (essential as readonly string[]).includes(name)) ? 'down' : down.length > 0 ? 'degraded' : 'ok';
  return { status, checks };
}

/** 200 while the process can serve something (`ok`, `degraded`), 503 when it is `down`. */
export function readinessHttpStatus(readiness: Readiness): 200 | 503 {
  return readiness.status === 'down' ? 503 : 200;
}

async function probe(check: () => Promise<unknown>): Promise<CheckState> {
  try {
    await withTimeout(check(), CHECK_TIMEOUT_MS);
    return 'ok';
  } catch {
    return 'down';
  }
}
