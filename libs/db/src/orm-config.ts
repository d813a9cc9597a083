import { fileURLToPath } from 'node:url';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { ENTITIES } from './entities/index.js';

export interface OrmSettings {
  databaseUrl: string;
  poolMax?: number;
  /** How long a query may wait for a pooled connection before failing (fast 503s when Postgres is away). */
  acquireTimeoutMs?: number;
}

const migrationsPath = fileURLToPath(new URL('./migrations', import.meta.url));

/** MikroORM options shared by every process. No global context: each request and job forks. */
export function createOrmOptions(settings: OrmSettings): Options {
  return defineConfig({
    clientUrl: settings.databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    allowGlobalContext: false,
    forceUtcTimezone: true,
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: settings.poolMax ?? 20, idleTimeoutMillis: 30_000 },
    driverOptions: {
      acquireConnectionTimeout: settings.acquireTimeoutMs ?? 3000,
      connection: { connectionTimeoutMillis: settings.acquireTimeoutMs ?? 3000 },
    },
    migrations: {
      path: migrationsPath,
      pathTs: migrationsPath,
      glob: '!(*.d).{js,ts}',
      emit: 'ts',
      snapshot: false,
      transactional: true,
      allOrNothing: true,
      silent: true,
    },
    // Needed under vitest, whose module loader otherwise refuses the .ts migration files.
    dynamicImportProvider: (id: string) => import(id),
  });
}
