import { createBlockingConnection, keyChangeChannel } from '@byok/queues';
import type { Redis } from 'ioredis';
import type { KeyChangeSubscribe } from './route-cache.js';

/** A Redis URL, or a function that opens a new connection (the subscription owns and closes it). */
export type RedisConnectionSource = string | (() => Redis);

/** Options of `createRedisKeyChangeSubscription`. */
export interface RedisKeyChangeSubscriptionOptions {
  /** Told about connection errors; ioredis keeps reconnecting by itself. */
  onError?: (error: Error) => void;
  /** Another channel with the same contract (e.g. `budgetChangeChannel`); default `keyChangeChannel(prefix)`. */
  channel?: string;
}

/**
 * `subscribe` for `createRouteCache` over Redis pub/sub on `keyChangeChannel(prefix)`, where each
 * message is a user id (`publishKeyChange` in `@byok/queues`). Uses a connection of its own, since
 * a subscribed connection can do nothing else, and lets ioredis reconnect.
 *
 * After a reconnect it subscribes again and waits for Redis to confirm before calling
 * `onReconnect`: ioredis re-subscribes too, but does not say when that is live, and an entry
 * loaded before it is live could miss the message about its own change.
 */
export function createRedisKeyChangeSubscription(
  source: RedisConnectionSource,
  prefix: string,
  options: RedisKeyChangeSubscriptionOptions = {},
): KeyChangeSubscribe {
  const channel = options.channel ?? keyChangeChannel(prefix);
  const onError = options.onError ?? (() => {});
  return async (onMessage, onReconnect) => {
    const redis = typeof source === 'string' ? createBlockingConnection(source) : source();
    let live = false;
    let closed = false;
    const handleMessage = (from: string, message: string) => {
      if (from === channel && !closed) onMessage(message);
    };
    // The first `ready` is the initial connection, which the subscribe below already covers.
    const handleReady = () => {
      if (!live || closed) return;
      redis.subscribe(channel).then(() => {
        if (!closed) onReconnect();
      }, onError);
    };
    redis.on('message', handleMessage);
    redis.on('ready', handleReady);
    redis.on('error', onError);
    try {
      await redis.subscribe(channel);
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    live = true;
    return async () => {
      closed = true;
      redis.off('message', handleMessage);
      redis.off('ready', handleReady);
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
      redis.off('error', onError);
    };
  };
}
