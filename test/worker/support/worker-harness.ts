import { Writable } from 'node:stream';
import { loadConfig, type Config } from '@byok/config';
import { setUserKeyEnabled, upsertProviderKey, type ProviderKey } from '@byok/db';
import { maskKey } from '@byok/crypto';
import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '@byok/providers';
import type { KeyTestJob } from '@byok/queues';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { startWorker, type StartWorkerOptions, type WorkerHandle } from '@byok/worker';
import type { JobsOptions } from 'bullmq';
import { credentialId, startMockProviders, type MockCall, type MockProviders } from '@byok/mock-providers';
import { deleteRedisPrefix } from '../../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../../support/services.js';
import { createTestDatabase, type TestDatabase, type TestDatabaseOptions } from '../../support/test-database.js';

/** The Fernet test key from the public spec vectors (as in the API harness); protects nothing. */
export const TEST_ENCRYPTION_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const TEST_JWT_SECRET = 'test-only-jwt-secret-0123456789abcdef-not-real';

export interface WorkerHarnessOptions {
  /** Extra environment for loadConfig (e.g. KEY_TEST_MAX_ATTEMPTS). */
  env?: Record<string, string>;
  database?: TestDatabaseOptions;
  /** Delay of the mock's `slow` scenario. */
  slowDelayMs?: number;
  /** The boot check of stored keys; tests that plant an undecryptable row on purpose use `warn`. */
  storedKeysCheck?: 'refuse' | 'warn' | 'off';
}

/** How a job ended, read back from Redis. */
export interface FinishedJob {
  state: 'completed' | 'failed';
  returnvalue: unknown;
  failedReason: string | undefined;
  attemptsMade: number;
  stacktrace: string[];
}

/** A test database, Redis prefix, mock providers and runtime wired the way a worker process wires them. */
export interface WorkerHarness {
  db: TestDatabase;
  mock: MockProviders;
  runtime: Runtime;
  config: Config;
  redisPrefix: string;
  /** The environment the config was loaded from (for child processes). */
  env: Record<string, string>;
  /** Every log line written through the runtime's logger. */
  logs: string[];
  startWorker(options?: StartWorkerOptions): Promise<WorkerHandle>;
  /** Saves a key the way the API does (encrypted, masked hint, status `testing`), without enqueueing. */
  insertKey(input: { userId: string; provider: ProviderId; apiKey: string; enabled?: boolean }): Promise<ProviderKey>;
  /** Enqueues a test of a saved key through the real producer; fast retries unless told otherwise. */
  enqueueTest(key: Pick<ProviderKey, 'id' | 'keyVersion' | 'userId' | 'provider'>, options?: { reason?: KeyTestJob['reason']; actorId?: string; jobOptions?: JobsOptions }): Promise<string>;
  waitForJob(id: string, timeoutMs?: number): Promise<FinishedJob>;
  /** Provider calls the mock saw with this exact key. */
  callsWith(apiKey: string): MockCall[];
  keyRow(id: string): Promise<KeyRow>;
  auditOf(keyId: string, action?: string): Promise<AuditRow[]>;
  close(): Promise<void>;
}

export interface KeyRow {
  test_status: string;
  last_test_message: string | null;
  last_test_latency_ms: number | null;
  last_tested_at: Date | null;
  key_version: number;
  key_hint: string | null;
  metadata: Record<string, unknown>;
}

export interface AuditRow {
  actor_id: string;
  actor_type: string;
  action: string;
  request_id: string | null;
  idempotency_key: string | null;
  details: Record<string, unknown>;
}

export async function startWorkerHarness(label: string, options: WorkerHarnessOptions = {}): Promise<WorkerHarness> {
  const mock = await startMockProviders({ slowDelayMs: options.slowDelayMs ?? 2000 });
  const db = await createTestDatabase(label, options.database);
  const redisPrefix = uniqueTestName(label);
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: testServiceUrls().redisUrl,
    REDIS_PREFIX: redisPrefix,
    BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'debug',
    DATABASE_POOL_MAX: '10',
    KEY_REVALIDATE_INTERVAL_MS: '0',
    KEY_TEST_MAX_ATTEMPTS: '3',
    PROVIDER_TIMEOUT_MS: '5000',
    ...Object.fromEntries(PROVIDER_IDS.map((id) => [`PROVIDER_${id.toUpperCase()}_BASE_URL`, mock.baseUrls[id]])),
    ...options.env,
  };
  const config = loadConfig(env);
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const runtime = await openRuntime(config, createLogger({ level: config.logLevel, name: 'worker-test', destination }), options.storedKeysCheck ? { storedKeysCheck: options.storedKeysCheck } : {});
  // The producer connection keeps no offline queue, so wait until it is ready before enqueueing.
  if (runtime.redis.status !== 'ready') await new Promise((resolve) => runtime.redis.once('ready', resolve));
  const workers: WorkerHandle[] = [];

  return {
    db,
    mock,
    runtime,
    config,
    redisPrefix,
    env,
    logs,
    async startWorker(workerOptions) {
      const handle = await startWorker(runtime, workerOptions);
      workers.push(handle);
      return handle;
    },
    async insertKey(input) {
      const em = runtime.orm.em.fork();
      const { key } = await upsertProviderKey(em, {
        userId: input.userId,
        provider: input.provider,
        apiKeyEncrypted: runtime.keyring.encrypt(input.apiKey),
        keyHint: maskKey(input.apiKey, PROVIDERS[input.provider].keyFormat.knownPrefix),
      });
      if (input.enabled === false) await setUserKeyEnabled(em, { id: key.id }, false);
      return key;
    },
    async enqueueTest(key, testOptions = {}) {
      const job = await runtime.producers.keyTests.enqueue(
        {
          keyId: key.id,
          keyVersion: key.keyVersion,
          userId: key.userId,
          provider: key.provider as ProviderId,
          reason: testOptions.reason ?? 'added',
          actorId: testOptions.actorId ?? key.userId,
        },
        { backoff: { type: 'provider', delay: 20 }, ...testOptions.jobOptions },
      );
      return job.id;
    },
    waitForJob: (id, timeoutMs = 20_000) => waitForJob(runtime, id, timeoutMs),
    callsWith: (apiKey) => mock.calls().filter((c) => c.credential === credentialId(apiKey)),
    async keyRow(id) {
      const [row] = await db.sql<KeyRow>(
        'SELECT test_status, last_test_message, last_test_latency_ms, last_tested_at, key_version, key_hint, metadata FROM user_provider_keys WHERE id = $1',
        [id],
      );
      if (!row) throw new Error(`no key ${id}`);
      return row;
    },
    auditOf: (keyId, action = 'key.tested') =>
      db.sql<AuditRow>('SELECT actor_id, actor_type, action, request_id, idempotency_key, details FROM audit_log WHERE key_id = $1 AND action = $2 ORDER BY id', [keyId, action]),
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await runtime.close();
      await mock.close();
      await deleteRedisPrefix(redisPrefix);
      await db.drop();
    },
  };
}

async function waitForJob(runtime: Runtime, id: string, timeoutMs: number): Promise<FinishedJob> {
  const queue = runtime.producers.keyTests.queue;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await queue.getJobState(id);
    if (state === 'completed' || state === 'failed') {
      // Read the job only after its state is final: its fields and its state are separate reads.
      const job = await queue.getJob(id);
      if (!job) throw new Error(`job ${id} vanished`);
      return { state, returnvalue: job.returnvalue, failedReason: job.failedReason, attemptsMade: job.attemptsMade, stacktrace: job.stacktrace ?? [] };
    }
    if (Date.now() > deadline) throw new Error(`job ${id} still ${state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
