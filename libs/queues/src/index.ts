export * from './job-schemas.js';
export { QUEUES, type QueueDefinition, type QueueKey, type PayloadOf } from './catalog.js';
export { createProducers, type Producer, type ProducerOptions, type Producers, type EnqueuedJob } from './producers.js';
export { createProducerConnection, createBlockingConnection } from './redis-connections.js';
export { QueueUnavailableError, InvalidJobPayloadError } from './queue-unavailable-error.js';
export { keyChangeChannel, publishKeyChange, publishTokenRevoked, TOKEN_REVOKED_PREFIX } from './key-change-channel.js';
export { withTestToken } from './key-test-token.js';
export { isRedisUnavailable } from './redis-errors.js';
export { startSerialTaskWorker, type RunningWorker, type SerialTaskWorkerOptions } from './task-worker.js';
