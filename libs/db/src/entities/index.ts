import { ProviderKeySchema } from './provider-key.entity.js';

export * from './provider-key.entity.js';

/**
 * The entities MikroORM knows. Only `user_provider_keys` is read through the ORM (a few finds and
 * `em.map` of rows a statement returned); every other table is plain SQL in its repository, so it
 * has no entity to keep in step with its migrations (see ../../README.md).
 */
export const ENTITIES = [ProviderKeySchema];
