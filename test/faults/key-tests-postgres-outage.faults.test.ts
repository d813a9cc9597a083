import { loadConfig } from '@byok/config';
import { maskKey } from '@byok/crypto';
import { migrate, openDatabase, upsertProviderKey, type ProviderKey } from '@byok/db';
import { PROVIDER_IDS, PROVIDERS } from '@byok/providers';
import { QUEUES } from '@byok/queues';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { startWorker, type WorkerHandle } from '@byok/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, startMockProviders, type MockProviders } from '@byok/mock-providers';
import { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from '../support/api-harness.js';
import { deleteRedisPrefix } from '../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../support/services.js';
import { sleep, waitFor } from './support/fault-stack.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/throwaway-postgres.js';

/**
 * #19.1: "A Postgres outage longer than ~15 s leaves keys `testing` forever, with no audit record."
 * Key-test retries were spaced 0.5–8 s (7.5–15 s for the catalog's 5 attempts) and an unreachable
 * database counted as an attempt, so a 40 s stop failed every test for good. Here the worker's own
 * Postgres (a throwaway server) is stopped for 20 s, longer than that whole budget, while key
 * tests are queued: no job may fail or spend an attempt, and every key gets its verdict and one
 * audit record once Postgres is back. A key whose job was lost meanwhile (removed from Redis, as a
 * Redis data loss would) is finished by the sweep, audited, and tested again.
 *
 * The outage retry is capped at 1 s here (KEY_TEST_OUTAGE_RETRY_MAX_MS; 30 s by default) and the
 * stuck threshold at 35 s (KEY_TEST_STUCK_AFTER_MS; 10 min by default) to keep the wall time short.
 */
const KEYS = 10;
const DURATIONS = {
  outageMs: 20_000,
  /** The old budget: attempts 2–5 waited at most 1 + 2 + 4 + 8 s (base 1 s, equal jitter). */
  oldAttemptBudgetMs: 15_000,
  /**
   * Longer than the outage plus the jobs' catch-up, so the sweep finishes only the key whose job was
   * lost: a key whose job is merely waiting for Postgres gets its verdict first. (Were the outage
   * longer than the threshold, such a key would be finished and tested twice: harmless, two records.)
   */
  stuckAfterMs: 35_000,
} as const;

let server: ThrowawayPostgres;
let mock: MockProviders;
let runtime: Runtime;
let worker: WorkerHandle;
let admin: pg.Pool;
const redisPrefix = uniqueTestName('faults_keytest_pg');

beforeAll(async () => {
  server = await startThrowawayPostgres();
  mock = await startMockProviders({});
  const orm = await openDatabase({ databaseUrl: server.url(), poolMax: 2 });
  await migrate(orm);
  await orm.close(true);
  admin = new pg.Pool({ connectionString: server.url(), max: 2 });
  admin.on('error', () => undefined);
  const config = loadConfig({
    DATABASE_URL: server.url(),
    REDIS_URL: testServiceUrls().redisUrl,
    REDIS_PREFIX: redisPrefix,
    BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_MAX: '10',
    KEY_REVALIDATE_INTERVAL_MS: '0',
    KEY_TEST_OUTAGE_RETRY_MAX_MS: '1000',
    KEY_TEST_STUCK_AFTER_MS: String(DURATIONS.stuckAfterMs),
    KEY_TEST_SWEEP_INTERVAL_MS: '500',
    ...Object.fromEntries(PROVIDER_IDS.map((id) => [`PROVIDER_${id.toUpperCase()}_BASE_URL`, mock.baseUrls[id]])),
  });
  runtime = await openRuntime(config, createLogger({ level: 'silent', name: 'faults-keytest-pg' }));
  if (runtime.redis.status !== 'ready') await new Promise((resolve) => runtime.redis.once('ready', resolve));
  worker = await startWorker(runtime, { lockDurationMs: 3000, stalledIntervalMs: 1000 });
}, 60_000);

afterAll(async () => {
  await server?.start().catch(() => undefined);
  await worker?.close();
  await runtime?.close();
  await admin?.end();
  await deleteRedisPrefix(redisPrefix);
  await mock?.close();
  await server?.close();
});

async function insertKey(userId: string): Promise<ProviderKey> {
  const apiKey = fakeKey('groq', 'valid', userId);
  const { key } = await upsertProviderKey(runtime.orm.em.fork(), {
    userId,
    provider: 'groq',
    apiKeyEncrypted: runtime.keyring.encrypt(apiKey),
    keyHint: maskKey(apiKey, PROVIDERS.groq.keyFormat.knownPrefix),
  });
  return key;
}

describe('Postgres stopped for longer than the old attempt budget under queued key tests', () => {
  it('spends no attempt, fails no job, and every key gets its verdict and one audit record once Postgres is back', async () => {
    const keys = await Promise.all(Array.from({ length: KEYS }, (_, i) => insertKey(`outage-user-${i}`)));
    const lost = await insertKey('lost-job-user');

    await server.stop();
    const stoppedAt = Date.now();
    // Enqueued with the catalog's own options (5 attempts, base 1 s): the old budget applies to them.
    const jobIds = [];
    for (const key of keys) {
      const job = await runtime.producers.keyTests.enqueue({ keyId: key.id, keyVersion: key.keyVersion, userId: key.userId, provider: 'groq', reason: 'added', actorId: key.userId });
      jobIds.push(job.id);
    }
    const queue = runtime.producers.keyTests.queue;
    await sleep(DURATIONS.outageMs);
    expect(Date.now() - stoppedAt).toBeGreaterThan(DURATIONS.oldAttemptBudgetMs);
    const during = await Promise.all(jobIds.map((id) => queue.getJob(id)));
    expect(await queue.getJobCountByTypes('failed', 'completed')).toBe(0);
    expect(during.map((j) => j?.attemptsMade)).toEqual(jobIds.map(() => 0));
    // Each job ran more often than its attempts would have allowed, without spending one.
    expect(Math.max(...during.map((j) => j?.attemptsStarted ?? 0))).toBeGreaterThan(QUEUES.keyTests.defaultJobOptions.attempts);

    await server.start();
    const backAt = Date.now();
    await waitFor(
      async () => {
        const rows = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM user_provider_keys WHERE test_status = 'valid' AND id = ANY($1)`, [keys.map((k) => k.id)]);
        return rows.rows[0]?.n === KEYS;
      },
      30_000,
      'every queued key to be tested after the outage',
    );
    const testedMs = Date.now() - backAt;
    const audits = await admin.query<{ key_id: string; n: number }>(`SELECT key_id, count(*)::int AS n FROM audit_log WHERE action = 'key.tested' GROUP BY key_id`);
    expect(audits.rows.filter((r) => keys.some((k) => k.id === r.key_id)).map((r) => r.n)).toEqual(keys.map(() => 1));
    const states = await Promise.all(jobIds.map((id) => queue.getJobState(id)));
    expect(states).toEqual(jobIds.map(() => 'completed'));

    // The key that never got a job (its test lost) was `testing` since before the outage: the sweep
    // finishes it with an audit record, and the new test it asks for records the real verdict.
    await waitFor(async () => (await admin.query(`SELECT 1 FROM audit_log WHERE action = 'key.test_abandoned' AND key_id = $1`, [lost.id])).rowCount === 1, 30_000, 'the sweep to finish the lost key');
    await waitFor(async () => (await admin.query<{ test_status: string }>('SELECT test_status FROM user_provider_keys WHERE id = $1', [lost.id])).rows[0]?.test_status === 'valid', 30_000, 'the lost key to be tested again');
    console.info(`key tests through a ${DURATIONS.outageMs} ms Postgres stop: ${KEYS} of ${KEYS} tested ${testedMs} ms after it returned; the lost one re-tested after ${Date.now() - backAt} ms`);
  }, 120_000);
});
