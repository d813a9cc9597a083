import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * `em.execute` for statements whose values must never reach a log: ciphertext, key hints, labels.
 * MikroORM inlines every value into the statement text, and knex puts that text at the front of a
 * failed statement's error message (`<statement with values> - <Postgres message>`), so an error
 * handler that logs the error would log the values. This puts the statement back as it was
 * written, with `?` placeholders, in the message and stack of the error and its causes; the
 * SQLSTATE and Postgres's own message stay, so the log still says what failed and why.
 */
export async function executeRedacted<T extends Array<Record<string, unknown>>>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<T> {
  try {
    return await em.execute<T>(sql, [...params]);
  } catch (error) {
    const inlined = em.getPlatform().formatQuery(sql, [...params]);
    for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
      e.message = e.message.split(inlined).join(sql);
      if (e.stack !== undefined) e.stack = e.stack.split(inlined).join(sql);
      e = (e as { cause?: unknown }).cause;
    }
    throw error;
  }
}
