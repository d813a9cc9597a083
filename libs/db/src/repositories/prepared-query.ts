import type { EntityManager } from '@mikro-orm/postgresql';

/** The part of a `pg` client used here (knex's pool hands out `pg` clients). */
interface PgClient {
  query(config: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs one statement as a named prepared statement on a pooled connection, on its own (autocommit,
 * outside any transaction of `em`). Each connection parses and plans it once and afterwards only
 * binds values: MikroORM's `execute` inlines every value, so each call would be parsed and planned
 * anew, and knex's `raw` sends bound values but cannot name the statement. `name` must always come
 * with the same `text`.
 */
export async function runPrepared<Row>(em: EntityManager, name: string, text: string, values: readonly unknown[]): Promise<Row[]> {
  const client = em.getKnex().client;
  const connection = (await client.acquireConnection()) as PgClient;
  try {
    const result = await connection.query({ name, text, values });
    return result.rows as Row[];
  } finally {
    await client.releaseConnection(connection);
  }
}
