export { openDatabase, migrate, ensureDatabaseExists, warmPool, type Orm } from './database.js';
export { createOrmOptions, type OrmSettings } from './orm-config.js';
export * from './entities/index.js';
export { anyCause, isDatabaseUnavailable, isDeletedOrganization, isUnstorableText } from './errors.js';
export * from './repositories/index.js';
// For repositories outside this package whose values must not reach logs (webhook URLs and secrets).
export { executeRedacted } from './repositories/redacted-execute.js';
export type { EntityManager } from '@mikro-orm/postgresql';
