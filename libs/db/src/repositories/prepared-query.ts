import type { EntityManager } from '@mikro-orm/postgresql';

/** The part of a `pg` client used here (knex's pool hands out `pg` clients). */
interface PgClient {
  query(config: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[] }>;
}

/** The part of a knex client used here: a transaction's client always hands out its own connection. */
interface ConnectionSource {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

interface KnexLike {
  client: ConnectionSource;
}

/**
 * Named prepared statements: each connection parses and plans a statement once and afterwards only
 * binds values. MikroORM's `execute` inlines every value, so each call would be parsed and planned
 * anew (and spend the caller's CPU on quoting and knex's query building), and knex's `raw` sends
 * bound values but cannot name the statement. `name` must always come with the same `text`.
 */
async function queryNamed<Row>(source: ConnectionSource, name: string, text: string, values: readonly unknown[]): Promise<Row[]> {
  const connection = (await source.acquireConnection()) as PgClient;
  try {
    const result = await connection.query({ name, text, values });
    return result.rows as Row[];
  } finally {
    await source.releaseConnection(connection);
  }
}

/** Runs one prepared statement on a pooled connection, on its own (autocommit, outside any transaction of `em`). */
export function runPrepared<Row>(em: EntityManager, name: string, text: string, values: readonly unknown[]): Promise<Row[]> {
  return queryNamed<Row>(em.getKnex().client, name, text, values);
}

/**
 * Runs one prepared statement where `em.execute` would: inside `em`'s transaction when it has
 * one (on that transaction's connection), otherwise on a pooled connection in autocommit. Unlike
 * `executeRedacted`, no value ever reaches an error message: Postgres gets them apart from the text.
 */
export function executePrepared<Row>(em: EntityManager, name: string, text: string, values: readonly unknown[]): Promise<Row[]> {
  const transaction = em.getTransactionContext<KnexLike>();
  return queryNamed<Row>((transaction ?? em.getKnex()).client, name, text, values);
}
