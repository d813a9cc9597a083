import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const base = { BYOK_ENCRYPTION_KEYS: KEY, AUTH_JWT_SECRET: 'test-secret-that-is-long-enough-0123456789' };

describe('loadConfig', () => {
  it('gives single-machine defaults', () => {
    const config = loadConfig(base);
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/byok');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.auth).toMatchObject({ mode: 'hs256', userIdClaim: 'sub', generated: false });
    expect(config.providers.openai).toEqual({});
  });

  it('reads AUTH_ORG_CLAIM into both auth modes, and leaves it out when unset', () => {
    expect(loadConfig({ ...base, AUTH_ORG_CLAIM: 'organization' }).auth.orgClaim).toBe('organization');
    expect(loadConfig({ ...base, AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks', AUTH_ORG_CLAIM: 'groups' }).auth.orgClaim).toBe('groups');
    expect(loadConfig(base).auth).not.toHaveProperty('orgClaim');
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ ...base, PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ ...base, PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ ...base, LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ ...base, DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ ...base, PROVIDER_OPENAI_BASE_URL: 'ftp://x' })).toThrow(/PROVIDER_OPENAI_BASE_URL/);
    expect(() => loadConfig({ ...base, AUTH_JWT_SECRET: 'short' })).toThrow(ConfigError);
  });

  it("reads the proxy's knobs, and keeps the token cache within the 10 s revocation bound", () => {
    expect(loadConfig(base).proxy).toEqual({
      upstreamHeadersTimeoutMs: 60_000,
      upstreamBodyTimeoutMs: 300_000,
      upstreamConnectTimeoutMs: 10_000,
      upstreamConnections: 256,
      priceTableFile: undefined,
      usageBufferMax: 10_000,
      tokenCacheTtlMs: 10_000,
      balanceCacheTtlMs: 2_000,
      creditDefaultMaxTokens: 4_096,
      creditReservationTtlMs: 900_000,
      streamDrainMs: 30_000,
      streamDrainBytes: 1_048_576,
      staleMaxMs: 600_000,
      maxConcurrentPerUser: 64,
      maxConcurrentPerKey: 0,
      rateLimitRpm: 60,
      byokRateLimitRpm: 0,
      usageSpoolDir: undefined,
      maxAttempts: 3,
      attemptTimeoutMs: 15_000,
      budgetRedisDown: 'auto',
      budgetReservationTtlMs: 900_000,
    });
    const config = loadConfig({ ...base, PROXY_UPSTREAM_HEADERS_TIMEOUT_MS: '1500', PROXY_UPSTREAM_CONNECTIONS: ' 64 ', PRICE_TABLE_FILE: '/etc/prices.json', PROXY_TOKEN_CACHE_TTL_MS: '0' });
    expect(config.proxy).toMatchObject({ upstreamHeadersTimeoutMs: 1500, upstreamConnections: 64, priceTableFile: '/etc/prices.json', tokenCacheTtlMs: 0 });
    expect(() => loadConfig({ ...base, PROXY_UPSTREAM_BODY_TIMEOUT_MS: 'soon' })).toThrow(/^Invalid PROXY_UPSTREAM_BODY_TIMEOUT_MS/);
    expect(() => loadConfig({ ...base, PROXY_USAGE_BUFFER_MAX: '0' })).toThrow(/PROXY_USAGE_BUFFER_MAX/);
    expect(() => loadConfig({ ...base, PROXY_TOKEN_CACHE_TTL_MS: '60000' })).toThrow(/PROXY_TOKEN_CACHE_TTL_MS/);
    expect(loadConfig({ ...base, PROXY_MAX_ATTEMPTS: '1', PROXY_ATTEMPT_TIMEOUT_MS: '2500' }).proxy).toMatchObject({ maxAttempts: 1, attemptTimeoutMs: 2500 });
    expect(() => loadConfig({ ...base, PROXY_MAX_ATTEMPTS: '0' })).toThrow(/^Invalid PROXY_MAX_ATTEMPTS/);
    expect(() => loadConfig({ ...base, PROXY_ATTEMPT_TIMEOUT_MS: 'later' })).toThrow(/^Invalid PROXY_ATTEMPT_TIMEOUT_MS/);
  });

  it('serves each HTTP port with one process per core unless API_WORKERS / PROXY_WORKERS say otherwise', () => {
    const cores = availableParallelism();
    expect(loadConfig(base).workers).toEqual({ api: cores, proxy: cores });
    expect(loadConfig({ ...base, API_WORKERS: '1', PROXY_WORKERS: '3' }).workers).toEqual({ api: 1, proxy: 3 });
    expect(() => loadConfig({ ...base, PROXY_WORKERS: '-1' })).toThrow(/^Invalid PROXY_WORKERS/);
    expect(() => loadConfig({ ...base, API_WORKERS: 'many' })).toThrow(/^Invalid API_WORKERS/);
  });

  it('gives the worker and the usage consumer one section each, sharing the job-lock variables', () => {
    expect(loadConfig(base).worker).toEqual({ lockDurationMs: 30_000, stalledIntervalMs: 30_000 });
    expect(loadConfig(base).usageConsumer).toEqual({ retentionDays: 90, batchSize: 1000, batchWaitMs: 20, concurrentBatches: 2, budgetReconcileIntervalMs: 60_000, lockDurationMs: 30_000, stalledIntervalMs: 30_000 });
    const config = loadConfig({ ...base, WORKER_LOCK_DURATION_MS: '5000', WORKER_STALLED_INTERVAL_MS: '1000', USAGE_CONSUMER_BATCH_SIZE: '50' });
    expect(config.worker).toEqual({ lockDurationMs: 5000, stalledIntervalMs: 1000 });
    expect(config.usageConsumer).toMatchObject({ batchSize: 50, lockDurationMs: 5000, stalledIntervalMs: 1000 });
    expect(() => loadConfig({ ...base, WORKER_LOCK_DURATION_MS: '10' })).toThrow(/^Invalid WORKER_LOCK_DURATION_MS/);
    expect(() => loadConfig({ ...base, USAGE_CONSUMER_BATCH_SIZE: '0' })).toThrow(/^Invalid USAGE_CONSUMER_BATCH_SIZE/);
  });

  it('caps the keys per user and provider (BYOK_MAX_KEYS_PER_PROVIDER), 10 unless set', () => {
    expect(loadConfig(base).maxKeysPerProvider).toBe(10);
    expect(loadConfig({ ...base, BYOK_MAX_KEYS_PER_PROVIDER: '3' }).maxKeysPerProvider).toBe(3);
    expect(() => loadConfig({ ...base, BYOK_MAX_KEYS_PER_PROVIDER: '0' })).toThrow(/^Invalid BYOK_MAX_KEYS_PER_PROVIDER/);
    expect(() => loadConfig({ ...base, BYOK_MAX_KEYS_PER_PROVIDER: 'many' })).toThrow(/^Invalid BYOK_MAX_KEYS_PER_PROVIDER/);
  });

  it('has no default secrets outside standalone mode', () => {
    expect(() => loadConfig({ AUTH_JWT_SECRET: base.AUTH_JWT_SECRET })).toThrow(/BYOK_ENCRYPTION_KEYS/);
    expect(() => loadConfig({ BYOK_ENCRYPTION_KEYS: KEY })).toThrow(/AUTH_JWKS_URL or AUTH_JWT_SECRET/);
  });

  it('lets standalone mode generate missing secrets, but never in production', () => {
    const resolveGeneratedSecret = (name: string) => `generated-${name}-0123456789abcdef0123456789`;
    const config = loadConfig({}, { resolveGeneratedSecret });
    expect(config.encryptionKeys).toEqual(['generated-encryption-key-0123456789abcdef0123456789']);
    expect(config.encryptionKeysGenerated).toBe(true);
    expect(config.auth).toMatchObject({ mode: 'hs256', generated: true });
    expect(() => loadConfig({ NODE_ENV: 'production' }, { resolveGeneratedSecret })).toThrow(/BYOK_ENCRYPTION_KEYS/);
  });

  it('reads the key list, the legacy single key, provider overrides and system keys', () => {
    expect(loadConfig({ ...base, BYOK_ENCRYPTION_KEYS: `${KEY}, other` }).encryptionKeys).toEqual([KEY, 'other']);
    expect(loadConfig({ AUTH_JWT_SECRET: base.AUTH_JWT_SECRET, BYOK_ENCRYPTION_KEY: KEY }).encryptionKeys).toEqual([KEY]);
    const config = loadConfig({ ...base, PROVIDER_GROQ_BASE_URL: 'http://127.0.0.1:9/groq/openai/v1/', SYSTEM_OPENROUTER_API_KEY: 'sys-fake' });
    expect(config.providers.groq).toEqual({ baseUrl: 'http://127.0.0.1:9/groq/openai/v1' });
    expect(config.providers.openrouter).toEqual({ systemApiKey: 'sys-fake' });
  });

  it('switches to OIDC when a JWKS URL is given', () => {
    const config = loadConfig({ ...base, AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks', AUTH_ISSUER: 'http://kc/realms/x', AUTH_USER_ID_CLAIM: 'email' });
    expect(config.auth).toEqual({ mode: 'oidc', jwksUrl: 'http://127.0.0.1:9/jwks', issuer: 'http://kc/realms/x', userIdClaim: 'email', adminRole: 'admin' });
  });

  it('keeps webhooks off private addresses unless told, and reads their timeout and concurrency', () => {
    expect(loadConfig(base).webhooks).toEqual({ allowPrivate: false, timeoutMs: 5_000, concurrency: 50 });
    expect(loadConfig({ ...base, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: '800', WEBHOOK_CONCURRENCY: '4' }).webhooks).toEqual({ allowPrivate: true, timeoutMs: 800, concurrency: 4 });
    expect(() => loadConfig({ ...base, WEBHOOK_ALLOW_PRIVATE: 'maybe' })).toThrow(/WEBHOOK_ALLOW_PRIVATE/);
    expect(() => loadConfig({ ...base, WEBHOOK_TIMEOUT_MS: '10' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
  });
});
