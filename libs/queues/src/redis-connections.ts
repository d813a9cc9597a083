import { Redis } from 'ioredis';

/**
 * Redis connections by role. Producers must fail fast when Redis is away (the API answers 503
 * rather than hanging), so they keep no offline queue. Workers, queue-event listeners and
 * subscribers block on Redis by design, so BullMQ requires `maxRetriesPerRequest: null` for them.
 */
export function createProducerConnection(url: string): Redis {
  return withErrorListener(new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  }));
}

export function createBlockingConnection(url: string): Redis {
  return withErrorListener(new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: false,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  }));
}

/**
 * Connection errors are expected while Redis is away (ioredis reconnects by itself, and the
 * failures surface on the commands); without a listener ioredis prints "Unhandled error event"
 * for each. Owners may add their own listener for logging.
 */
function withErrorListener(redis: Redis): Redis {
  redis.on('error', () => undefined);
  return redis;
}
