export { openRuntime, type OpenRuntimeOptions, type Runtime } from './runtime.js';
export { checkStoredKeys, DEFAULT_BOOT_SAMPLE_SIZE, StoredKeysUnreadableError, type StoredKeysCheck } from './stored-keys-check.js';
export { scanStoredKeys, type StoredKeysScan } from './stored-keys-scan.js';
export { assertRedisNoEviction, RedisEvictionPolicyError } from './redis-eviction.js';
export { assertRedisAppendOnly, RedisPersistenceError } from './redis-persistence.js';
export { checkRedisAtBoot, type RedisBootPolicy } from './redis-boot-checks.js';
export { startPeriodicTask, type PeriodicTask, type PeriodicTaskOptions } from './periodic-task.js';
export { probeDependencies, readinessOf, readinessHttpStatus, type CheckState, type Readiness } from './readiness.js';
export { startHealthServer, type HealthServer, type HealthServerOptions } from './health-server.js';
