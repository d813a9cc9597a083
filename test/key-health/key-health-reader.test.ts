import { createKeyHealthReader } from '@byok/key-health';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayRedis, type ThrowawayRedis } from '../faults/support/throwaway-redis.js';

/**
 * The listing's health read (#15): one script per key sums the key's minute hashes in Redis. A
 * server of the test's own, which has never seen the script (as after a Redis restart): the first
 * read loads it and answers all the same.
 */
describe('key health reader', () => {
  let server: ThrowawayRedis;
  let redis: Redis;
  const prefix = 'reader';
  const at = Date.UTC(2026, 11, 7, 12, 0, 30);
  const minute = Math.floor(at / 60_000);
  beforeAll(async () => {
    server = await startThrowawayRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.close();
  });

  it('sums the last 15 minutes, ignores older minutes and junk fields, and loads its script on a server that lacks it', async () => {
    await redis.hset(`${prefix}:kh:{k1}:s`, { cu: String(at + 5000), fs: String(at - 1000), ou: 'junk' });
    await redis.hset(`${prefix}:kh:{k1}:m:${minute}`, { r: '3', e: '1', b2: '2', b3: '1', b99: '7', x: '4' });
    await redis.hset(`${prefix}:kh:{k1}:m:${minute - 14}`, { r: '2', b0: '2' });
    await redis.hset(`${prefix}:kh:{k1}:m:${minute - 15}`, { r: '100', e: '100' });
    const sent: string[] = [];
    const sendCommand = redis.sendCommand.bind(redis);
    redis.sendCommand = (command, stream) => {
      sent.push(command.name);
      return sendCommand(command, stream);
    };
    const reader = createKeyHealthReader({ redis, keyPrefix: prefix, now: () => at });
    const health = await reader.read(['k1', 'k2']);
    // Buckets b0 ×2, b2 ×2, b3 ×1: the median (the 2.5th of 5) lies a quarter into b2 (50–100 ms).
    expect(health.get('k1')).toEqual({ state: 'cooling_down', cooldownUntil: new Date(at + 5000), failingSince: new Date(at - 1000), last15m: { requests: 5, errors: 1, p50LatencyMs: 63 } });
    expect(health.get('k2')).toEqual({ state: 'ok', cooldownUntil: null, failingSince: null, last15m: { requests: 0, errors: 0, p50LatencyMs: null } });
    // NOSCRIPT for both, one load, both again; from then on one command per key.
    expect(sent).toEqual(['evalsha', 'evalsha', 'script', 'evalsha', 'evalsha']);
    sent.length = 0;
    await reader.read(['k1', 'k2']);
    expect(sent).toEqual(['evalsha', 'evalsha']);
  });
});
