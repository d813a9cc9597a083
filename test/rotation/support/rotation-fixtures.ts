import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@byok/config';
import { createStoredKeyring, type StoredKeyring } from '@byok/crypto';
import { openRuntime, type OpenRuntimeOptions, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { deleteRedisPrefix } from '../../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../../support/services.js';
import type { TestDatabase } from '../../support/test-database.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const TEST_JWT_SECRET = 'test-only-jwt-secret-0123456789abcdef-not-real';

/** A fake provider key per row number; obviously not real. */
export const plaintextFor = (n: number): string => `sk-proj-rotation-fake-${String(n).padStart(6, '0')}`;
export const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface SeedOptions {
  /** How many rows, numbered from `from` (user `rot-user-<n>`, provider openai). */
  count: number;
  from?: number;
  /** `bound`: tag and fingerprint as the key service writes them; `legacy`: neither (the earlier system's rows). */
  style: 'bound' | 'legacy';
}

/** Inserts rows encrypted with `keyring`'s first key, in chunks, and returns their ids by row number. */
export async function seedRows(db: TestDatabase, keyring: StoredKeyring, options: SeedOptions): Promise<Map<number, string>> {
  const ids = new Map<number, string>();
  const from = options.from ?? 0;
  const CHUNK = 500;
  for (let start = from; start < from + options.count; start += CHUNK) {
    const params: unknown[] = [];
    const values: string[] = [];
    for (let n = start; n < Math.min(start + CHUNK, from + options.count); n++) {
      const row = { id: randomUUID(), userId: `rot-user-${n}`, provider: 'openai' };
      const token = keyring.encrypt(plaintextFor(n));
      const record = options.style === 'bound' ? keyring.bind(row, token) : null;
      const p = params.length;
      values.push(`($${p + 1}::uuid, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6})`);
      params.push(row.id, row.userId, row.provider, token, record?.bindingTag ?? null, record?.keyFingerprint ?? null);
      ids.set(n, row.id);
    }
    await db.sql(`INSERT INTO user_provider_keys (id, user_id, provider, api_key_encrypted, binding_tag, key_fingerprint) VALUES ${values.join(', ')}`, params);
  }
  return ids;
}

export interface StoredRow {
  id: string;
  user_id: string;
  provider: string;
  api_key_encrypted: string;
  binding_tag: string | null;
  key_fingerprint: string | null;
  key_version: number;
  updated_at: Date;
}

export function readRows(db: TestDatabase): Promise<StoredRow[]> {
  return db.sql<StoredRow>('SELECT id, user_id, provider, api_key_encrypted, binding_tag, key_fingerprint, key_version, updated_at FROM user_provider_keys ORDER BY id');
}

/** Opens every row with a keyring of `keys` alone, checking its binding; returns plaintext by user id. */
export function openAll(rows: readonly StoredRow[], keys: string[]): Map<string, string> {
  const keyring = createStoredKeyring(keys);
  return new Map(rows.map((r) => [r.user_id, keyring.openBound({ id: r.id, userId: r.user_id, provider: r.provider, token: r.api_key_encrypted, bindingTag: r.binding_tag })]));
}

// The Redis prefixes this test file's runtimes and child processes wrote under; dropped by
// `dropTestRedisPrefixes` in the file's afterAll.
const usedRedisPrefixes = new Set<string>();

/** A Redis prefix of this test file's own, deleted by `dropTestRedisPrefixes`. */
export function testRedisPrefix(label: string): string {
  const prefix = uniqueTestName(label);
  usedRedisPrefixes.add(prefix);
  return prefix;
}

/** Deletes every Redis key under the prefixes `testRedisPrefix` handed out (call in afterAll). */
export async function dropTestRedisPrefixes(): Promise<void> {
  await Promise.all([...usedRedisPrefixes].map((prefix) => deleteRedisPrefix(prefix)));
  usedRedisPrefixes.clear();
}

/** The environment a process of the gateway needs for this database and the given key list. */
export function gatewayEnv(db: TestDatabase, keys: string[], redisPrefix: string): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    REDIS_URL: testServiceUrls().redisUrl,
    REDIS_PREFIX: redisPrefix,
    BYOK_ENCRYPTION_KEYS: keys.join(','),
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
  };
}

export interface TestRuntime {
  runtime: Runtime;
  logs: string[];
}

/** The shared runtime exactly as a process opens it, over this database with this key list. */
export async function openTestRuntime(db: TestDatabase, keys: string[], options: OpenRuntimeOptions = {}): Promise<TestRuntime> {
  const config = loadConfig({ ...gatewayEnv(db, keys, testRedisPrefix('rot')), DATABASE_POOL_MAX: '5' });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const runtime = await openRuntime(config, createLogger({ level: 'info', name: 'rotation-test', destination }), options);
  return { runtime, logs };
}

/** A repository script or entry point run as a child process, as an operator runs it. */
export interface ChildRun {
  kill(signal: NodeJS.Signals): void;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runChild(entry: string, args: string[], env: Record<string, string>): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@byok/source', entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { kill: (signal) => child.kill(signal), output, exited };
}

/** Runs a child to its end and returns its exit code and stdout+stderr. */
export async function runChildToEnd(entry: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const run = runChild(entry, args, env);
  const { code } = await run.exited;
  return { code, output: run.output.join('') };
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
