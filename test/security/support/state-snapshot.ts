import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TestDatabase } from '../../support/test-database.js';

/** The application's tables in the test database (every table in `public` but the ORM's own). */
export async function listTables(db: TestDatabase): Promise<string[]> {
  const rows = await db.sql<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

/**
 * Every row of every table as text (`SELECT t::text`), keyed by table. A column added later is
 * included without anyone remembering to add it here.
 */
export async function dumpTables(db: TestDatabase): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of await listTables(db)) {
    const rows = await db.sql<{ row: string }>(`SELECT t::text AS row FROM "${table.replace(/"/g, '""')}" t ORDER BY 1`);
    dump[table] = rows.map((r) => r.row);
  }
  return dump;
}

/** The rows, in every table, whose text mentions `needle` (e.g. one user's id). */
export async function rowsMentioning(db: TestDatabase, needle: string): Promise<Record<string, string[]>> {
  const dump = await dumpTables(db);
  return Object.fromEntries(Object.entries(dump).map(([table, rows]) => [table, rows.filter((r) => r.includes(needle))]));
}

const ALL_STATES = ['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Payloads in a queue, in any state, that name this user (each event of a usage job counts). */
export async function jobsForUser(queue: Queue, userId: string): Promise<number> {
  const jobs = await queue.getJobs([...ALL_STATES], 0, -1);
  // A usage job carries many users' events; each of the user's events counts.
  const payloads = jobs.flatMap((job) => (Array.isArray(job.data?.events) ? (job.data.events as unknown[]) : [job.data]));
  return payloads.filter((data) => typeof data === 'object' && data !== null && (data as { userId?: unknown }).userId === userId).length;
}

/** Every key under a prefix with its value, whatever its Redis type, as lines of text. */
export async function dumpRedisPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const lines: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? await redis.hgetall(key)
        : type === 'list' ? await redis.lrange(key, 0, -1)
        : type === 'set' ? await redis.smembers(key)
        : type === 'zset' ? await redis.zrange(key, '0', '-1', 'WITHSCORES')
        : type === 'stream' ? await redis.xrange(key, '-', '+')
        : `<${type}>`;
      lines.push(`${key} ${type} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return lines;
}
