import { createKeyring, generateKey } from '@byok/crypto';
import type { ProviderKey } from '@byok/db';
import { createProducerConnection, publishKeyChange } from '@byok/queues';
import { createRedisKeyChangeSubscription, createRouteCache, type RouteCache, type StoredUserKey } from '@byok/routing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testServiceUrls, uniqueTestName } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';

const keyring = createKeyring([generateKey()]);
const redisUrl = testServiceUrls().redisUrl;

/** A "proxy instance": a route cache with its own subscriber connection, and a count of loads. */
async function startInstance(source: string, prefix: string, events: { reconnects: number } = { reconnects: 0 }) {
  const loads: string[] = [];
  const subscribe = createRedisKeyChangeSubscription(source, prefix);
  const cache = createRouteCache({
    loadUserKeys: async (userId) => {
      loads.push(userId);
      return [{ id: `${userId}-openai`, provider: 'openai', apiKeyEncrypted: keyring.encrypt(`sk-${userId}`), enabled: true, testStatus: 'valid' }];
    },
    keyring,
    // Counts reconnects on the way through, so the test can wait for the moment they happen.
    subscribe: (onMessage, onReconnect) =>
      subscribe(onMessage, () => {
        events.reconnects++;
        onReconnect();
      }),
  });
  await cache.start();
  return { cache, loads, events };
}

/** Polls until `check` holds; returns how long it took. */
async function waitFor(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - started;
}

const started: RouteCache[] = [];
let publisher: Redis;

beforeAll(() => {
  publisher = createProducerConnection(redisUrl);
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((cache) => cache.close()));
});
afterAll(() => {
  publisher.disconnect();
});

describe('key-change invalidation over Redis pub/sub', () => {
  it('drops the user in two proxy instances within 1 s of publishKeyChange, and no one else', async () => {
    const prefix = uniqueTestName('routing_pubsub');
    const a = await startInstance(redisUrl, prefix);
    const b = await startInstance(redisUrl, prefix);
    const elsewhere = await startInstance(redisUrl, uniqueTestName('routing_other'));
    started.push(a.cache, b.cache, elsewhere.cache);
    for (const instance of [a, b, elsewhere]) {
      await instance.cache.get('alice');
      await instance.cache.get('bob');
    }

    await publishKeyChange(publisher, prefix, 'alice');
    const took = await waitFor(() => a.cache.size === 1 && b.cache.size === 1, 1000);
    expect(took).toBeLessThan(1000);

    for (const instance of [a, b]) {
      expect((await instance.cache.get('alice')).credentialFor('alice-openai')).toBe('sk-alice');
      await instance.cache.get('bob');
      expect(instance.loads).toEqual(['alice', 'bob', 'alice']);
    }
    expect(elsewhere.cache.size).toBe(2);
  });

  describe('a subscriber whose connection is cut', () => {
    let redisSwitch: TcpSwitch;
    beforeAll(async () => {
      const target = new URL(redisUrl);
      redisSwitch = await startTcpSwitch({ host: target.hostname, port: Number(target.port || 6379) });
    });
    afterAll(async () => {
      await redisSwitch.close();
    });

    it('reloads every entry before its next use when it reconnects (messages may have been missed), and hears key changes again', async () => {
      const prefix = uniqueTestName('routing_reconnect');
      const instance = await startInstance(redisSwitch.url(redisUrl), prefix);
      started.push(instance.cache);
      await instance.cache.get('alice');
      await instance.cache.get('bob');

      await redisSwitch.off();
      // A change announced during the outage is lost to this subscriber...
      await publishKeyChange(publisher, prefix, 'alice');
      // ...and entries loaded during it may be stale too.
      await instance.cache.get('carol');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(instance.cache.size).toBe(3);
      expect(instance.events.reconnects).toBe(0);

      await redisSwitch.on();
      await waitFor(() => instance.events.reconnects === 1, 10_000);
      // Entries are kept (for a Postgres outage) but each is reloaded before its next use.
      const loadsBefore = instance.loads.length;
      for (const user of ['alice', 'bob', 'carol']) await instance.cache.get(user);
      expect(instance.loads.slice(loadsBefore).sort()).toEqual(['alice', 'bob', 'carol']);

      await publishKeyChange(publisher, prefix, 'bob');
      await waitFor(() => instance.cache.size === 2, 1000);
    });
  });

  it('accepts rows of user_provider_keys as stored keys', () => {
    // A compile-time check: the proxy's loader can return `findUserKeys` rows unchanged.
    const fromDb = (rows: ProviderKey[]): readonly StoredUserKey[] => rows;
    expect(fromDb([])).toEqual([]);
  });
});
