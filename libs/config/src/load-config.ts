import { availableParallelism } from 'node:os';
import Value from 'typebox/value';
import { PROVIDER_IDS, type ProviderId } from '@byok/providers';
import { ConfigError } from './config-error.js';
import { EnvSchema, type Env } from './env-schema.js';

export type AuthConfig =
  | { mode: 'oidc'; jwksUrl: string; issuer: string; audience?: string; clientId?: string; userIdClaim: string; adminRole: string; orgClaim?: string }
  | { mode: 'hs256'; secret: string; issuer: string; audience: string; userIdClaim: string; adminRole: string; orgClaim?: string; generated: boolean };

export interface ProviderSettings {
  /** Replaces the registry's default base URL (e.g. to reach a mock or a regional endpoint). */
  baseUrl?: string;
  /** The platform's own key, used when the user has none; requests through it are charged. */
  systemApiKey?: string;
}

/** The proxy's tuning knobs (PROXY_*, PRICE_TABLE_FILE); see the env schema for each one's meaning. */
export interface ProxySettings {
  upstreamHeadersTimeoutMs: number;
  upstreamBodyTimeoutMs: number;
  upstreamConnectTimeoutMs: number;
  upstreamConnections: number;
  /** Unset: the shipped prices only. */
  priceTableFile: string | undefined;
  usageBufferMax: number;
  tokenCacheTtlMs: number;
  balanceCacheTtlMs: number;
  creditDefaultMaxTokens: number;
  creditReservationTtlMs: number;
  streamDrainMs: number;
  streamDrainBytes: number;
  /** How long cached tokens and routes are served while Postgres cannot reload them. */
  staleMaxMs: number;
  /** 0 = no cap. */
  maxConcurrentPerUser: number;
  /** 0 = no cap. */
  maxConcurrentPerKey: number;
  /** Platform-key requests per user per minute; 0 = off. */
  rateLimitRpm: number;
  /** BYOK requests per user per minute; 0 = off. */
  byokRateLimitRpm: number;
  /** Unset: `<tmpdir>/byok-proxy-usage`. */
  usageSpoolDir: string | undefined;
  /** Upstream attempts per request at most (failover between the user's keys). */
  maxAttempts: number;
  /** Header wait of an attempt that a next candidate could take over. */
  attemptTimeoutMs: number;
  /** While Redis is away: `closed` refuses budgeted requests (503), `open` lets them through unmetered, `auto` is closed for platform keys and open for BYOK. */
  budgetRedisDown: 'auto' | 'open' | 'closed';
  /** A budget hold nobody settles lapses after this. */
  budgetReservationTtlMs: number;
}

/** BullMQ job locks, shared by the key-test worker and the usage consumer (WORKER_LOCK_DURATION_MS, WORKER_STALLED_INTERVAL_MS). */
interface JobLockSettings {
  /** How long a job's lock lives without renewal; a dead process's jobs wait this long before another takes them. */
  lockDurationMs: number;
  /** How often a process looks for jobs whose lock expired. */
  stalledIntervalMs: number;
}

/** The key-test and maintenance workers' settings. */
export type WorkerConfig = JobLockSettings;

/** The usage consumer's settings (USAGE_*; its job locks are the workers'). */
export interface UsageConsumerConfig extends JobLockSettings {
  retentionDays: number;
  batchSize: number;
  batchWaitMs: number;
  concurrentBatches: number;
  /** How often the current periods' budget counters are corrected by the record; 0 = never. */
  budgetReconcileIntervalMs: number;
}

/** The notifier's settings (SMTP_*, NOTIFY_*, KEY_ROTATION_REMINDER_DAYS; its job locks are the workers'). */
export interface NotifierConfig extends JobLockSettings {
  /** Unset: no email channel. */
  smtp: { url: string; from: string } | undefined;
  failingAfterS: number;
  /** 0 = no rotation reminders. */
  rotationReminderDays: number;
  digestWindowS: number;
  scanIntervalS: number;
  /** Spend anomalies (ANOMALY_*) and who besides the user hears of them (NOTIFY_ADMIN_USER_IDS). */
  anomaly: { factor: number; minMicroUsd: number; action: Env['ANOMALY_ACTION']; adminUserIds: string[] };
}

/** Outbound webhook deliveries (WEBHOOK_*), read by the API (URL checks) and the notifier (deliveries). */
export interface WebhookConfig {
  /** Deliveries may reach loopback, private, link-local and metadata addresses (development, tests). */
  allowPrivate: boolean;
  /** Longest one attempt may take, connection, headers and body together. */
  timeoutMs: number;
  /** Deliveries in flight at once per notifier process. */
  concurrency: number;
}

/** The one typed configuration object, parsed once at boot. */
export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  host: string;
  port: number;
  proxyPort: number;
  /** Processes that serve each HTTP port (API_WORKERS, PROXY_WORKERS), resolved: 1 or more. */
  workers: { api: number; proxy: number };
  /** Health server of a worker or consumer process; 0 = none. */
  healthPort: number;
  publicUrl: string;
  databaseUrl: string;
  databasePoolMax: number;
  redisUrl: string;
  redisPrefix: string;
  redisPersistenceCheck: Env['REDIS_PERSISTENCE_CHECK'];
  /** Fernet keys, first encrypts. */
  encryptionKeys: string[];
  /** True when the keys were generated by standalone mode rather than configured. */
  encryptionKeysGenerated: boolean;
  storedKeyCheck: Env['BYOK_STORED_KEY_CHECK'];
  requireBinding: Env['BYOK_REQUIRE_BINDING'];
  dataDir: string;
  webDistDir?: string;
  auth: AuthConfig;
  /** Throttling of invalid credentials per client address (AUTH_FAILURE_*); `maxFailures` 0 = off. */
  authFailures: { maxFailures: number; windowSeconds: number };
  gatewayTokensPerUserMax: number;
  /** Keys one user may hold per provider (BYOK_MAX_KEYS_PER_PROVIDER). */
  maxKeysPerProvider: number;
  apiDocsPublic: boolean;
  logLevel: Env['LOG_LEVEL'];
  apiBodyLimitBytes: number;
  proxyBodyLimitBytes: number;
  providerTimeoutMs: number;
  keyTestWaitMs: number;
  keyTestRateLimitPerMinute: number;
  keyRevalidateIntervalMs: number;
  keyTestMaxAttempts: number;
  keyTestOutageRetryMaxMs: number;
  keyTestStuckAfterMs: number;
  keyTestSweepIntervalMs: number;
  scheduleReassertIntervalMs: number;
  workerConcurrency: number;
  shutdownGraceMs: number;
  worker: WorkerConfig;
  usageConsumer: UsageConsumerConfig;
  notifier: NotifierConfig;
  proxy: ProxySettings;
  providers: Record<ProviderId, ProviderSettings>;
  webhooks: WebhookConfig;
}

export interface LoadConfigOptions {
  /**
   * Standalone mode may generate the secrets it lacks (and must keep them across restarts).
   * Given the secret's name, returns its persisted value. Absent outside standalone mode.
   */
  resolveGeneratedSecret?: (name: 'encryption-key' | 'jwt-secret') => string;
}

const URL_VARIABLES = ['DATABASE_URL', 'REDIS_URL', 'AUTH_JWKS_URL', 'PUBLIC_URL', 'SMTP_URL'] as const;

/** Parses and checks the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const env = parseEnv(source);
  const production = env.NODE_ENV === 'production';
  const encryption = resolveEncryptionKeys(env, production, options);
  const jobLocks: JobLockSettings = { lockDurationMs: env.WORKER_LOCK_DURATION_MS, stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS };
  return {
    env: env.NODE_ENV,
    production,
    host: env.HOST,
    port: env.PORT,
    proxyPort: env.PROXY_PORT,
    workers: { api: workerCount(env.API_WORKERS), proxy: workerCount(env.PROXY_WORKERS) },
    healthPort: env.HEALTH_PORT,
    publicUrl: env.PUBLIC_URL ?? `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${env.PORT}`,
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
    redisUrl: env.REDIS_URL,
    redisPrefix: env.REDIS_PREFIX,
    redisPersistenceCheck: env.REDIS_PERSISTENCE_CHECK,
    encryptionKeys: encryption.keys,
    encryptionKeysGenerated: encryption.generated,
    storedKeyCheck: env.BYOK_STORED_KEY_CHECK,
    requireBinding: env.BYOK_REQUIRE_BINDING,
    dataDir: env.BYOK_DATA_DIR,
    ...(env.WEB_DIST_DIR ? { webDistDir: env.WEB_DIST_DIR } : {}),
    auth: resolveAuth(env, production, options),
    authFailures: { maxFailures: env.AUTH_FAILURE_LIMIT, windowSeconds: env.AUTH_FAILURE_WINDOW_SECONDS },
    gatewayTokensPerUserMax: env.GATEWAY_TOKENS_PER_USER_MAX,
    maxKeysPerProvider: env.BYOK_MAX_KEYS_PER_PROVIDER,
    apiDocsPublic: env.API_DOCS_PUBLIC,
    logLevel: env.LOG_LEVEL,
    apiBodyLimitBytes: env.API_BODY_LIMIT_BYTES,
    proxyBodyLimitBytes: env.PROXY_BODY_LIMIT_BYTES,
    providerTimeoutMs: env.PROVIDER_TIMEOUT_MS,
    keyTestWaitMs: env.KEY_TEST_WAIT_MS,
    keyTestRateLimitPerMinute: env.KEY_TEST_RATE_LIMIT_PER_MINUTE,
    keyRevalidateIntervalMs: env.KEY_REVALIDATE_INTERVAL_MS,
    keyTestMaxAttempts: env.KEY_TEST_MAX_ATTEMPTS,
    keyTestOutageRetryMaxMs: env.KEY_TEST_OUTAGE_RETRY_MAX_MS,
    keyTestStuckAfterMs: env.KEY_TEST_STUCK_AFTER_MS,
    keyTestSweepIntervalMs: env.KEY_TEST_SWEEP_INTERVAL_MS,
    scheduleReassertIntervalMs: env.SCHEDULE_REASSERT_INTERVAL_MS,
    workerConcurrency: env.WORKER_CONCURRENCY,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    worker: jobLocks,
    usageConsumer: {
      retentionDays: env.USAGE_EVENTS_RETENTION_DAYS,
      batchSize: env.USAGE_CONSUMER_BATCH_SIZE,
      batchWaitMs: env.USAGE_CONSUMER_BATCH_WAIT_MS,
      concurrentBatches: env.USAGE_CONSUMER_CONCURRENT_BATCHES,
      budgetReconcileIntervalMs: env.BUDGET_RECONCILE_INTERVAL_MS,
      ...jobLocks,
    },
    notifier: { ...resolveNotifierSettings(env), ...jobLocks },
    proxy: {
      upstreamHeadersTimeoutMs: env.PROXY_UPSTREAM_HEADERS_TIMEOUT_MS,
      upstreamBodyTimeoutMs: env.PROXY_UPSTREAM_BODY_TIMEOUT_MS,
      upstreamConnectTimeoutMs: env.PROXY_UPSTREAM_CONNECT_TIMEOUT_MS,
      upstreamConnections: env.PROXY_UPSTREAM_CONNECTIONS,
      priceTableFile: env.PRICE_TABLE_FILE,
      usageBufferMax: env.PROXY_USAGE_BUFFER_MAX,
      tokenCacheTtlMs: env.PROXY_TOKEN_CACHE_TTL_MS,
      balanceCacheTtlMs: env.PROXY_BALANCE_CACHE_TTL_MS,
      creditDefaultMaxTokens: env.PROXY_CREDIT_DEFAULT_MAX_TOKENS,
      creditReservationTtlMs: env.PROXY_CREDIT_RESERVATION_TTL_MS,
      streamDrainMs: env.PROXY_STREAM_DRAIN_MS,
      streamDrainBytes: env.PROXY_STREAM_DRAIN_BYTES,
      staleMaxMs: env.PROXY_STALE_MAX_MS,
      maxConcurrentPerUser: env.PROXY_MAX_CONCURRENT_PER_USER,
      maxConcurrentPerKey: env.PROXY_MAX_CONCURRENT_PER_KEY,
      rateLimitRpm: env.PROXY_RATE_LIMIT_RPM,
      byokRateLimitRpm: env.PROXY_BYOK_RATE_LIMIT_RPM,
      usageSpoolDir: env.PROXY_USAGE_SPOOL_DIR,
      maxAttempts: env.PROXY_MAX_ATTEMPTS,
      attemptTimeoutMs: env.PROXY_ATTEMPT_TIMEOUT_MS,
      budgetRedisDown: env.BUDGET_REDIS_DOWN,
      budgetReservationTtlMs: env.PROXY_BUDGET_RESERVATION_TTL_MS,
    },
    providers: resolveProviders(source),
    webhooks: { allowPrivate: env.WEBHOOK_ALLOW_PRIVATE, timeoutMs: env.WEBHOOK_TIMEOUT_MS, concurrency: env.WEBHOOK_CONCURRENCY },
  };
}

/** 0 (the default) means one process per core the process may use. */
function workerCount(configured: number): number {
  return configured === 0 ? availableParallelism() : configured;
}

function parseEnv(source: NodeJS.ProcessEnv): Env {
  const known: Record<string, unknown> = {};
  for (const name of Object.keys(EnvSchema.properties)) {
    const raw = source[name];
    if (raw !== undefined && raw.trim() !== '') known[name] = raw.trim();
  }
  const withDefaults = Value.Default(EnvSchema, known);
  const converted = Value.Convert(EnvSchema, withDefaults);
  const firstError = Value.Errors(EnvSchema, converted)[0];
  if (firstError) {
    const variable = firstError.instancePath.replace(/^\//, '') || 'environment';
    throw new ConfigError(`Invalid ${variable}: ${firstError.message}`);
  }
  const env = converted as Env;
  for (const name of URL_VARIABLES) {
    const value = env[name];
    if (value !== undefined && !URL.canParse(value)) throw new ConfigError(`Invalid ${name}: not a URL`);
  }
  return env;
}

function resolveNotifierSettings(env: Env): Omit<NotifierConfig, keyof JobLockSettings> {
  if (env.SMTP_URL !== undefined && !/^smtps?:$/.test(new URL(env.SMTP_URL).protocol)) throw new ConfigError('Invalid SMTP_URL: must be an smtp:// or smtps:// URL');
  if (env.SMTP_URL !== undefined && env.SMTP_FROM === undefined) throw new ConfigError('Missing SMTP_FROM: with SMTP_URL set, say who notification emails come from');
  return {
    smtp: env.SMTP_URL !== undefined && env.SMTP_FROM !== undefined ? { url: env.SMTP_URL, from: env.SMTP_FROM } : undefined,
    failingAfterS: env.NOTIFY_FAILING_AFTER_S,
    rotationReminderDays: env.KEY_ROTATION_REMINDER_DAYS,
    digestWindowS: env.NOTIFY_DIGEST_WINDOW_S,
    scanIntervalS: env.NOTIFY_SCAN_INTERVAL_S,
    anomaly: { factor: env.ANOMALY_FACTOR, minMicroUsd: env.ANOMALY_MIN_MICRO_USD, action: env.ANOMALY_ACTION, adminUserIds: adminUserIds(env.NOTIFY_ADMIN_USER_IDS) },
  };
}

/** NOTIFY_ADMIN_USER_IDS as a list: trimmed, no empty entries, no organization pseudo-owners. */
function adminUserIds(list: string | undefined): string[] {
  const ids = [...new Set((list ?? '').split(',').map((id) => id.trim()).filter((id) => id.length > 0))];
  for (const id of ids) {
    if (id.length > 255 || id.startsWith('org:')) throw new ConfigError(`Invalid NOTIFY_ADMIN_USER_IDS: "${id.slice(0, 40)}" is not a user id (at most 255 characters, not org:…)`);
  }
  return ids;
}

function resolveEncryptionKeys(env: Env, production: boolean, options: LoadConfigOptions): { keys: string[]; generated: boolean } {
  const list = env.BYOK_ENCRYPTION_KEYS ?? env.BYOK_ENCRYPTION_KEY;
  if (list !== undefined) {
    const keys = list.split(',').map((k) => k.trim()).filter((k) => k.length > 0);
    if (keys.length === 0) throw new ConfigError('Invalid BYOK_ENCRYPTION_KEYS: no key in the list');
    return { keys, generated: false };
  }
  if (production || !options.resolveGeneratedSecret) {
    throw new ConfigError('Missing BYOK_ENCRYPTION_KEYS (or the legacy BYOK_ENCRYPTION_KEY): set at least one Fernet key');
  }
  return { keys: [options.resolveGeneratedSecret('encryption-key')], generated: true };
}

function resolveAuth(env: Env, production: boolean, options: LoadConfigOptions): AuthConfig {
  const common = { issuer: env.AUTH_ISSUER, userIdClaim: env.AUTH_USER_ID_CLAIM, adminRole: env.AUTH_ADMIN_ROLE, ...(env.AUTH_ORG_CLAIM ? { orgClaim: env.AUTH_ORG_CLAIM } : {}) };
  if (env.AUTH_JWKS_URL !== undefined) {
    // Without either, a token the issuer minted for any of its clients would be accepted.
    if (production && env.AUTH_AUDIENCE === undefined && env.AUTH_OIDC_CLIENT_ID === undefined) {
      throw new ConfigError('Missing AUTH_AUDIENCE or AUTH_OIDC_CLIENT_ID: with AUTH_JWKS_URL in production, set the audience tokens must carry or the client id they must be issued to (azp)');
    }
    return {
      mode: 'oidc',
      jwksUrl: env.AUTH_JWKS_URL,
      ...common,
      ...(env.AUTH_AUDIENCE ? { audience: env.AUTH_AUDIENCE } : {}),
      ...(env.AUTH_OIDC_CLIENT_ID ? { clientId: env.AUTH_OIDC_CLIENT_ID } : {}),
    };
  }
  const audience = env.AUTH_AUDIENCE ?? 'byok-gateway';
  if (env.AUTH_JWT_SECRET !== undefined) {
    if (env.AUTH_JWT_SECRET.length < 32) throw new ConfigError('Invalid AUTH_JWT_SECRET: use at least 32 characters');
    return { mode: 'hs256', secret: env.AUTH_JWT_SECRET, audience, generated: false, ...common };
  }
  if (production || !options.resolveGeneratedSecret) {
    throw new ConfigError('Missing AUTH_JWKS_URL or AUTH_JWT_SECRET: configure how bearer tokens are verified');
  }
  return { mode: 'hs256', secret: options.resolveGeneratedSecret('jwt-secret'), audience, generated: true, ...common };
}

function resolveProviders(source: NodeJS.ProcessEnv): Record<ProviderId, ProviderSettings> {
  const entries = PROVIDER_IDS.map((id) => {
    const upper = id.toUpperCase();
    const baseUrl = source[`PROVIDER_${upper}_BASE_URL`]?.trim();
    const systemApiKey = source[`SYSTEM_${upper}_API_KEY`]?.trim();
    if (baseUrl && !/^https?:\/\//.test(baseUrl)) throw new ConfigError(`Invalid PROVIDER_${upper}_BASE_URL: must be an http(s) URL`);
    const settings: ProviderSettings = {};
    if (baseUrl) settings.baseUrl = baseUrl.replace(/\/+$/, '');
    if (systemApiKey) settings.systemApiKey = systemApiKey;
    return [id, settings] as const;
  });
  return Object.fromEntries(entries) as Record<ProviderId, ProviderSettings>;
}
