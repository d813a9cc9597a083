import type { FastifyPluginAsync } from 'fastify';
import type { KeyHealthLookup } from '../keys/key-health-lookup.js';
import { keyByIdRoutes } from '../keys/key-by-id.routes.js';
import type { KeyPoolService } from '../keys/key-pool.service.js';
import { keyTestRoutes } from '../keys/key-test.routes.js';
import type { KeyTestService } from '../keys/key-test.service.js';
import type { KeyService } from '../keys/key.service.js';
import { keysRoutes } from '../keys/keys.routes.js';
import { guardOrgRoutes } from '../orgs/org-access.js';
import { orgKeyListRoutes } from './org-key-list.routes.js';
import { ORG_KEYS } from './org-key-scope.js';

export interface OrgKeysPluginOptions {
  keys: KeyService;
  pool: KeyPoolService;
  keyTests: KeyTestService;
  healthOf: KeyHealthLookup;
  perMinute: number;
  maxKeysPerProvider: number;
}

/**
 * `/api/v1/orgs/{org}/byok/keys…`: the user key routes, served for the organization's key owner
 * (org-key-scope.ts), beside the listing every member may read. Register with the prefix
 * `/api/v1/orgs/:org/byok`.
 */
export const orgKeysPlugin: FastifyPluginAsync<OrgKeysPluginOptions> = async (app, { keys, pool, keyTests, healthOf, perMinute, maxKeysPerProvider }) => {
  // Every route below checks the caller's role in `:org` (its scope's `orgRole`) before anything else.
  guardOrgRoutes(app);
  await app.register(orgKeyListRoutes, { keys, healthOf });
  await app.register(keysRoutes, { keys, healthOf, perMinute, maxKeysPerProvider, scope: ORG_KEYS });
  await app.register(keyByIdRoutes, { pool, healthOf, scope: ORG_KEYS });
  await app.register(keyTestRoutes, { keyTests, perMinute, scope: ORG_KEYS });
};
