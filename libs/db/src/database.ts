import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { createOrmOptions, type OrmSettings } from './orm-config.js';

export type Orm = MikroORM;

/** Opens the ORM (lazily connecting: a Postgres that is down at boot is retried per query). */
export async function openDatabase(settings: OrmSettings): Promise<Orm> {
  return MikroORM.init({ ...createOrmOptions(settings), connect: false });
}

/** The part of knex's client used to warm the pool. */
interface PoolClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/**
 * Opens `connections` pooled connections at once and returns them to the pool, so the first
 * requests after a start do not each wait for a connection's TCP set-up and Postgres start-up
 * (the pool opens connections on demand, and a burst at start would open them one request at a
 * time). Best effort: a Postgres that is away is the first request's problem, as before.
 * Returns how many connections it opened (0 when Postgres could not be reached).
 */
export async function warmPool(orm: Orm, connections: number): Promise<number> {
  const client = orm.em.getKnex().client as PoolClient;
  const acquired = await Promise.allSettled(Array.from({ length: connections }, () => client.acquireConnection()));
  const opened = acquired.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  await Promise.allSettled(opened.map((connection) => client.releaseConnection(connection)));
  return opened.length;
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

/**
 * Creates the target database when it does not exist, so `npm start` works on a fresh machine.
 * Connects to the server's `postgres` database to do it.
 */
export async function ensureDatabaseExists(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) return false;
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } finally {
    await client.end();
  }
}
