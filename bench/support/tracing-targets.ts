/**
 * The targets of the tracing benchmark. Each one starts the same real entry file three times
 * (tracing off, on, and on with 10 % sampling), each in its own process and with the production
 * flags (see `entry-process.ts`), so only the environment differs between the modes:
 *
 * - `proxy`: `apps/proxy/src/main.ts` serving `POST /v1/chat/completions` (non-streaming) for a
 *   BYOK user with a gateway token, route cached, against the mock provider in its own process.
 *   Every request also queues its usage event, as shipped; the queue is emptied between rounds so
 *   Redis does not grow through the run.
 * - `api`: `apps/api/src/main.ts` serving `GET /api/v1/llm/byok/keys` for 200 users with 3 keys.
 */
import { generateGatewayToken, mintDevToken } from '@byok/auth';
import { createKeyring } from '@byok/crypto';
import { insertGatewayToken, upsertProviderKey } from '@byok/db';
import type { ProviderId } from '@byok/providers';
import { fakeKey } from '@byok/mock-providers/fake-keys';
import { deleteRedisPrefix } from '../../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../../test/support/services.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { type Child, startChild } from './child-process.js';
import { freePort } from '../../test/support/free-port.js';
import { type EntryProcess, startEntryProcess } from './entry-process.js';
import { runLoad } from './http-load.js';
import { PLAIN_BODY } from './proxy-bench-servers.js';

const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SECRET = 'bench-only-jwt-secret-0123456789abcdef-not-real';
const API_USERS = 200;

export const MODES = ['off', 'on', 'sampled'] as const;
/** off: no OTLP endpoint (no SDK). on: every request traced. sampled: 10 % of root requests traced. */
export type Mode = (typeof MODES)[number];

export interface RoundResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  failed: number;
  cpuMsPerRequest: number;
}

export interface TracingTarget {
  name: 'proxy' | 'api';
  /** One line on what is measured, for the report. */
  describe: string;
  /** One closed-loop round against the process of `mode`, with that process's CPU time per request. */
  measure(mode: Mode, seconds: number): Promise<RoundResult>;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** OTLP/HTTP receiver of the traced modes. */
  otlpUrl: string;
  /** Runs every mode's process under `--cpu-prof`, writing to `<profileDir>/<mode>/`. */
  profileDir?: string;
}

/** The environment without any OTEL_* the caller's shell might carry: "off" must really be off. */
function baseEnv(extra: Record<string, string>): Record<string, string> {
  const inherited = Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('OTEL_'));
  return { ...Object.fromEntries(inherited), ...extra };
}

function modeEnv(otlpUrl: string, serviceName: string): Record<Mode, Record<string, string>> {
  const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl, OTEL_SERVICE_NAME: serviceName, OTEL_METRIC_EXPORT_INTERVAL: '15000', OTEL_LOGS_EXPORTER: 'none' };
  return {
    off: {},
    on: traced,
    sampled: { ...traced, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  };
}

function commonEnv(db: TestDatabase, prefix: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '5',
    REDIS_URL: testServiceUrls().redisUrl,
    REDIS_PREFIX: prefix,
    BYOK_ENCRYPTION_KEYS: KEY,
    AUTH_JWT_SECRET: SECRET,
    LOG_LEVEL: 'info',
    // One process per mode: CPU per request is read from that process's /proc entry.
    API_WORKERS: '1',
    PROXY_WORKERS: '1',
    // The shared test Redis keeps no append-only file; production would refuse it at boot.
    REDIS_PERSISTENCE_CHECK: 'warn',
  };
}

/** Starts one process per mode, one after the other (the 2-core machine boots them faster so). */
async function startModes(entry: string, portVariable: string, env: (mode: Mode) => Record<string, string>, profileDir: string | undefined): Promise<Record<Mode, { server: EntryProcess; origin: string }>> {
  const started: Partial<Record<Mode, { server: EntryProcess; origin: string }>> = {};
  try {
    for (const mode of MODES) {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${mode}`];
      started[mode] = { server: await startEntryProcess(entry, baseEnv({ ...env(mode), [portVariable]: String(port) }), `${origin}/healthz`, { nodeArgs }), origin };
    }
  } catch (error) {
    for (const mode of MODES) await started[mode]?.server.stop();
    throw error;
  }
  return started as Record<Mode, { server: EntryProcess; origin: string }>;
}

async function stopModes(modes: Record<Mode, { server: EntryProcess }> | undefined): Promise<void> {
  for (const mode of MODES) await modes?.[mode].server.stop();
}

/** The proxy target: a BYOK user (OpenAI key in Postgres) calling through a gateway token. */
export async function startProxyTarget(options: TargetOptions): Promise<TracingTarget> {
  const db = await createTestDatabase('bench_tracing_proxy');
  const prefix = uniqueTestName('bench_tracing_proxy');
  let mock: Child<{ baseUrls: Record<ProviderId, string> }> | undefined;
  let modes: Record<Mode, { server: EntryProcess; origin: string }> | undefined;
  const close = async () => {
    await stopModes(modes);
    await mock?.stop();
    await deleteRedisPrefix(prefix);
    await db.drop();
  };
  try {
    const apiKey = fakeKey('openai', 'valid', 'bench');
    const em = db.orm.em.fork();
    await upsertProviderKey(em, { userId: 'bench-user', provider: 'openai', apiKeyEncrypted: createKeyring([KEY]).encrypt(apiKey), keyHint: 'sk-proj-****…****' });
    const token = generateGatewayToken();
    await insertGatewayToken(em, { userId: 'bench-user', name: 'bench', tokenHash: token.hash, tokenPrefix: token.prefix, expiresAt: null });
    mock = await startChild('bench/support/serve-mock.ts', {});
    const openaiBaseUrl = mock.info.baseUrls.openai;
    const env = modeEnv(options.otlpUrl, 'byok-proxy-bench');
    modes = await startModes('apps/proxy/src/main.ts', 'PROXY_PORT', (mode) => ({ ...commonEnv(db, prefix), PROVIDER_OPENAI_BASE_URL: openaiBaseUrl, ...env[mode] }), options.profileDir);
    const started = modes;
    return {
      name: 'proxy',
      describe: 'POST /v1/chat/completions (non-streaming, gpt-4o-mini) through `apps/proxy/src/main.ts`: BYOK user, gateway token, route cached, mock provider on loopback in its own process, usage events queued as the proxy ships them (queue emptied between rounds); 50 connections',
      async measure(mode, seconds) {
        const { server, origin } = started[mode];
        const cpuBefore = server.cpuMs();
        const load = await runLoad({
          url: `${origin}/v1/chat/completions`,
          method: 'POST',
          connections: 50,
          durationSeconds: seconds,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token.token}` },
          body: PLAIN_BODY,
        });
        const cpuMs = server.cpuMs() - cpuBefore;
        // The usage queue has no consumer here; without this each round would leave tens of thousands of jobs in Redis.
        await deleteRedisPrefix(`${prefix}:usage-events:`);
        return { ...load, failed: load.errors + load.non2xx, cpuMsPerRequest: load.total > 0 ? cpuMs / load.total : Number.NaN };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The API target: `GET /keys` for 200 users with 3 keys each, a different user per request. */
export async function startApiTarget(options: TargetOptions): Promise<TracingTarget> {
  const db = await createTestDatabase('bench_tracing');
  const prefix = uniqueTestName('bench_tracing');
  let modes: Record<Mode, { server: EntryProcess; origin: string }> | undefined;
  const close = async () => {
    await stopModes(modes);
    await deleteRedisPrefix(prefix);
    await db.drop();
  };
  try {
    await seedApiUsers(db);
    const tokens = await Promise.all(
      Array.from({ length: API_USERS }, (_, u) => mintDevToken({ secret: SECRET, issuer: 'byok-gateway', audience: 'byok-gateway', userId: `user-${u}`, admin: false, userIdClaim: 'sub', ttlSeconds: 3600 })),
    );
    const env = modeEnv(options.otlpUrl, 'byok-api-bench');
    modes = await startModes('apps/api/src/main.ts', 'PORT', (mode) => ({ ...commonEnv(db, prefix), DATABASE_POOL_MAX: '10', ...env[mode] }), options.profileDir);
    const started = modes;
    return {
      name: 'api',
      describe: `GET /api/v1/llm/byok/keys through \`apps/api/src/main.ts\`: ${API_USERS} users with 3 keys each, a different user per request; 32 connections`,
      async measure(mode, seconds) {
        const { server, origin } = started[mode];
        let next = 0;
        const cpuBefore = server.cpuMs();
        const load = await runLoad({
          url: `${origin}/api/v1/llm/byok/keys`,
          connections: 32,
          durationSeconds: seconds,
          setupRequest: (request) => ({ ...request, headers: { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` } }),
        });
        const cpuMs = server.cpuMs() - cpuBefore;
        return { ...load, failed: load.errors + load.non2xx, cpuMsPerRequest: load.total > 0 ? cpuMs / load.total : Number.NaN };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function seedApiUsers(db: TestDatabase): Promise<void> {
  const keyring = createKeyring([KEY]);
  const values: string[] = [];
  const params: unknown[] = [];
  for (let u = 0; u < API_USERS; u++) {
    for (const provider of ['openrouter', 'openai', 'groq']) {
      params.push(`user-${u}`, provider, keyring.encrypt(`fake-bench-key-${u}-${provider}`), 'fake-****…****0000');
      const i = params.length;
      values.push(`($${i - 3}, $${i - 2}, $${i - 1}, $${i}, 'valid')`);
    }
  }
  await db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, key_hint, test_status) VALUES ${values.join(',')}`, params);
}
