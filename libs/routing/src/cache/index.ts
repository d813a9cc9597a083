// The per-process cache of users' routes, its Redis invalidation, and the platform keys.
export { createRouteCache, type KeyChangeSubscribe, type RouteCache, type RouteCacheDeps } from './route-cache.js';
export { buildUserRoutes, type BuildUserRoutesOptions, type KeyDecryptor, type Routes, type UserRoutes } from './user-routes.js';
export { buildOrgRoutes, type BuildOrgRoutesOptions, type OrgMembershipInfo, type OrgRoutes } from './org-routes.js';
export { toUserKeyCandidate, type StoredUserKey } from './stored-user-key.js';
export { RunTurns } from './run-turns.js';
export { createSystemKeySet, type SystemKeySet, type SystemKeySettings } from './system-keys.js';
export { createRedisKeyChangeSubscription, type RedisConnectionSource, type RedisKeyChangeSubscriptionOptions } from './redis-key-change-subscription.js';
