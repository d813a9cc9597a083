import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyring, generateKey } from '@byok/crypto';
import { upsertProviderKey } from '@byok/db';
import { PROVIDER_IDS, type ProviderId } from '@byok/providers';
import type { Redis } from 'ioredis';
import { fakeKey, type Scenario } from '@byok/mock-providers';
import { startWorkerHarness, type WorkerHarness } from './support/worker-harness.js';

/** Every value stored under a prefix, whatever its Redis type, as one string. */
async function dumpPrefix(redis: Redis, prefix: string): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? await redis.hgetall(key)
        : type === 'list' ? await redis.lrange(key, 0, -1)
        : type === 'set' ? await redis.smembers(key)
        : type === 'zset' ? await redis.zrange(key, '0', '-1')
        : type === 'stream' ? await redis.xrange(key, '-', '+')
        : null;
      parts.push(key, JSON.stringify(value));
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

describe('no key material leaves the worker', () => {
  let h: WorkerHarness;
  const keys: string[] = [];
  beforeAll(async () => {
    h = await startWorkerHarness('worker_secrets', { env: { LOG_LEVEL: 'trace' } });
    await h.startWorker();
    const cases: Array<[ProviderId, Scenario]> = [
      ...PROVIDER_IDS.flatMap((p): Array<[ProviderId, Scenario]> => [[p, 'valid'], [p, 'invalid'], [p, 'server_error']]),
      ['openai', 'no_credit'],
      ['anthropic', 'rate_limited_once'],
      ['google', 'redirect'],
    ];
    const jobs = await Promise.all(
      cases.map(async ([provider, scenario], i) => {
        const apiKey = fakeKey(provider, scenario, `secret-${i}`);
        keys.push(apiKey);
        const key = await h.insertKey({ userId: `secret-user-${i}`, provider, apiKey });
        return h.enqueueTest(key);
      }),
    );
    const foreign = fakeKey('groq', 'valid', 'secret-foreign');
    keys.push(foreign);
    const { key } = await upsertProviderKey(h.runtime.orm.em.fork(), { userId: 'secret-foreign', provider: 'groq', apiKeyEncrypted: createKeyring([generateKey()]).encrypt(foreign), keyHint: 'gsk_****…****' });
    jobs.push(await h.enqueueTest(key));
    await Promise.all(jobs.map((id) => h.waitForJob(id)));
  });
  afterAll(() => h.close());

  // The whole key, and its distinctive tail (a message may quote part of a key).
  const needles = () => keys.flatMap((k) => [k, k.slice(-20)]);

  it('ran jobs that completed and failed, so there is something to inspect', async () => {
    const counts = await h.runtime.producers.keyTests.queue.getJobCounts('completed', 'failed');
    expect(counts.completed).toBeGreaterThan(0);
    expect(counts.failed).toBeGreaterThan(0);
  });

  it('no job data, return value, failed reason, stack trace or queue event in Redis contains a key', async () => {
    const dump = await dumpPrefix(h.runtime.redis, h.redisPrefix);
    expect(dump).toContain('returnvalue');
    expect(dump).toContain('failedReason');
    for (const needle of needles()) expect(dump).not.toContain(needle);
  });

  it('no log line contains a key', () => {
    const logs = h.logs.join('');
    expect(logs).toContain('"msg":"key tested"');
    for (const needle of needles()) expect(logs).not.toContain(needle);
  });

  it('no key status, message, metadata or audit record contains a key', async () => {
    const rows = JSON.stringify(await h.db.sql('SELECT test_status, last_test_message, metadata, key_hint FROM user_provider_keys'));
    const audit = JSON.stringify(await h.db.sql('SELECT * FROM audit_log'));
    for (const needle of needles()) {
      expect(rows).not.toContain(needle);
      expect(audit).not.toContain(needle);
    }
  });
});
