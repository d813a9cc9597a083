import { openDatabase, warmPool } from '@byok/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The API opens pool connections before it answers (#15), and a Postgres that is away does not stop it starting. */
describe('warmPool', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('warm_pool');
  });
  afterAll(() => db.drop());

  const connections = async () => Number((await db.sql<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [db.name]))[0]?.n);

  it('opens the connections and leaves them in the pool', async () => {
    const orm = await openDatabase({ databaseUrl: db.url, poolMax: 10 });
    try {
      const before = await connections();
      await expect(warmPool(orm, 4)).resolves.toBe(4);
      expect((await connections()) - before).toBe(4);
    } finally {
      await orm.close(true);
    }
  });

  it('resolves when Postgres cannot be reached', async () => {
    const orm = await openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${await freePort()}/nothing`, poolMax: 2, acquireTimeoutMs: 500 });
    try {
      await expect(warmPool(orm, 2)).resolves.toBe(0);
    } finally {
      await orm.close(true);
    }
  });
});
