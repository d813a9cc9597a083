import { Writable } from 'node:stream';
import { type Config, loadConfig } from '@byok/config';
import { emitNotifications, keyEventDraft, type KeyEventType, type NotificationDraft } from '@byok/notifications';
import { type NotifierHandle, type StartNotifierOptions, startNotifier } from '@byok/notifier';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { deleteRedisPrefix } from '../../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../../support/services.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';

const TEST_ENCRYPTION_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const TEST_JWT_SECRET = 'test-only-jwt-secret-0123456789abcdef-not-real';

export interface TestKey {
  keyId: string;
  userId: string;
  provider: string;
  label: string | null;
}

/** A test database, Redis prefix, local SMTP server and runtime, wired as a notifier process wires them. */
export interface NotifierHarness {
  db: TestDatabase;
  smtp: SmtpSink;
  runtime: Runtime;
  config: Config;
  /** The environment the config was loaded from (for child processes). */
  env: Record<string, string>;
  logs: string[];
  startNotifier(options?: StartNotifierOptions): Promise<NotifierHandle>;
  /** A key row with a stand-in token: the notifier never reads key text. */
  insertKey(input: { userId: string; provider?: string; label?: string | null }): Promise<TestKey>;
  /** Emits drafts in a transaction of their own, as the code that changes a key does. */
  emit(drafts: NotificationDraft[]): Promise<Array<{ id: string; emitted: boolean }>>;
  emitKeyEvent(type: KeyEventType, key: TestKey, options?: { occurredAt?: string }): Promise<{ id: string; emitted: boolean }>;
  setEmail(userId: string, email: string): Promise<void>;
  inPage(userId?: string): Promise<Array<{ id: string; user_id: string; type: string; title: string; read_at: Date | null }>>;
  close(): Promise<void>;
}

export async function startNotifierHarness(label: string, options: { env?: Record<string, string> } = {}): Promise<NotifierHarness> {
  const smtp = await startSmtpSink();
  const db = await createTestDatabase(label);
  const redisPrefix = uniqueTestName(label);
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: testServiceUrls().redisUrl,
    REDIS_PREFIX: redisPrefix,
    BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    PUBLIC_URL: 'http://gateway.example.test',
    LOG_LEVEL: 'debug',
    DATABASE_POOL_MAX: '10',
    BYOK_STORED_KEY_CHECK: 'off',
    SMTP_URL: smtp.url,
    SMTP_FROM: 'BYOK Gateway <alerts@example.test>',
    NOTIFY_DIGEST_WINDOW_S: '2',
    NOTIFY_SCAN_INTERVAL_S: '3600',
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
  const runtime = await openRuntime(config, createLogger({ level: config.logLevel, name: 'notifier-test', destination }), { storedKeysCheck: 'off' });
  if (runtime.redis.status !== 'ready') await new Promise((resolve) => runtime.redis.once('ready', resolve));
  const notifiers: NotifierHandle[] = [];
  const harness: NotifierHarness = {
    db,
    smtp,
    runtime,
    config,
    env,
    logs,
    async startNotifier(startOptions) {
      const notifier = await startNotifier(runtime, startOptions);
      notifiers.push(notifier);
      return notifier;
    },
    async insertKey(input) {
      const provider = input.provider ?? 'openai';
      const label = input.label === undefined ? 'work' : input.label;
      const rows = await db.sql<{ id: string }>(
        `INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, label, test_status) VALUES ($1, $2, 'stand-in-token-not-a-key', $3, 'valid') RETURNING id`,
        [input.userId, provider, label],
      );
      const id = rows[0]?.id;
      if (id === undefined) throw new Error('key insert returned nothing');
      return { keyId: id, userId: input.userId, provider, label };
    },
    async emit(drafts) {
      const emitted = await runtime.orm.em.fork().transactional((em) => emitNotifications(em, drafts));
      return emitted.map((e) => ({ id: e.event.id, emitted: e.emitted }));
    },
    async emitKeyEvent(type, key, eventOptions = {}) {
      const [result] = await harness.emit([keyEventDraft(type, key, eventOptions)]);
      if (!result) throw new Error('emit returned nothing');
      return result;
    },
    async setEmail(userId, email) {
      await db.sql('INSERT INTO notification_recipients (user_id, email) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email', [userId, email]);
    },
    inPage(userId) {
      return userId === undefined
        ? db.sql('SELECT id, user_id, type, title, read_at FROM notifications ORDER BY created_at, id')
        : db.sql('SELECT id, user_id, type, title, read_at FROM notifications WHERE user_id = $1 ORDER BY created_at, id', [userId]);
    },
    async close() {
      await Promise.all(notifiers.map((n) => n.close()));
      await runtime.close();
      await db.drop();
      await smtp.close();
      await deleteRedisPrefix(redisPrefix);
    },
  };
  return harness;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
