export { openDatabase, migrate, ensureDatabaseExists, type Orm } from './database.js';
export { createOrmOptions, type OrmSettings } from './orm-config.js';
export * from './entities/index.js';
export { anyCause, isDatabaseUnavailable, isUnstorableText } from './errors.js';
export * from './repositories/index.js';
export type { EntityManager } from '@mikro-orm/postgresql';
