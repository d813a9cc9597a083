import pg from 'pg';
import { migrate, openDatabase, type Orm } from '@byok/db';
import { testServiceUrls, uniqueTestName } from './services.js';

export interface TestDatabase {
  url: string;
  name: string;
  orm: Orm;
  /** Runs SQL as the admin of this database (for fixtures and assertions). */
  sql<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** SQL run before migrations, e.g. the earlier system's schema and rows. */
  before?: string[];
  migrate?: boolean;
}

/** A database of its own for one test file: created, optionally seeded, migrated, then dropped. */
export async function createTestDatabase(label: string, options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const admin = testServiceUrls().postgresAdminUrl;
  const name = uniqueTestName(label);
  await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
  for (const statement of options.before ?? []) await pool.query(statement);
  const orm = await openDatabase({ databaseUrl: dbUrl, poolMax: 10 });
  if (options.migrate !== false) await migrate(orm);
  return {
    url: dbUrl,
    name,
    orm,
    async sql(text, params) {
      const result = await pool.query(text, params);
      return result.rows;
    },
    async drop() {
      await orm.close(true);
      await pool.end();
      await withClient(admin, async (c) => {
        // Let our own closing connections finish first: FORCE would kill a connection that is still
        // being ended, and its client (no longer listening for errors) would raise an unhandled error.
        for (let i = 0; i < 40; i++) {
          const open = await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if ((open.rows[0] as { n: number } | undefined)?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
