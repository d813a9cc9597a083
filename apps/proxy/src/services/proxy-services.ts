import type { ProxySettings } from '@byok/config';
import { findGatewayTokenByHash, findOrgIdsOfMember, findOrgMembership, findUserKeys, getCreditBalanceMicro, getUserSettings, touchGatewayToken } from '@byok/db';
import { createKeyHealthTracker, type KeyHealthPolicy, type KeyHealthTracker } from '@byok/key-health';
import { createBlockingConnection } from '@byok/queues';
import {
  createModelResolver,
  createRedisKeyChangeSubscription,
  createRouteCache,
  createSystemKeySet,
  type ModelResolver,
  type RouteCache,
  type SystemKeySet,
} from '@byok/routing';
import { createGatewayMetrics, isTracingEnabled, type Logger } from '@byok/telemetry';
import { type CallerResolver, createCallerResolver } from '../auth/caller-resolver.js';
import { createGatewayTokenCache, type GatewayTokenCache } from '../auth/gateway-token-cache.js';
import { createTokenUseRecorder } from '../auth/token-use-recorder.js';
import type { BudgetCache } from '../budgets/budget-cache.js';
import type { BudgetGuard } from '../budgets/budget-guard.js';
import { createProxyBudgets } from '../budgets/proxy-budgets.js';
import { createAfterResponse } from '../chat/after-response.js';
import { createCreditHolds, type CreditHolds } from '../chat/credit-hold.js';
import type { Exchange } from '../chat/exchange.js';
import { StreamDrains } from '../chat/stream-drain.js';
import { createKeyRejectionReporter } from '../keys/key-rejection-reporter.js';
import { createConcurrencyLimiter } from '../limits/concurrency-limiter.js';
import { createRequestRateLimiter } from '../limits/request-rate-limiter.js';
import { createUpstreamAdmission, type UpstreamAdmission } from '../limits/upstream-admission.js';
import { loadPriceTable } from '../pricing/price-table.js';
import { createPricer, type Pricer } from '../pricing/pricer.js';
import { createTtlCache, type TtlCache } from '../support/ttl-cache.js';
import { createUpstreamTargets, type UpstreamTargets } from '../upstream/upstream-targets.js';
import { createUsageSink, type UsageSink } from '../usage/usage-sink.js';
import { openProxyUsageSpool } from '../usage/proxy-usage-spool.js';
import { withTokenRevocations } from './key-change-subscription.js';
import type { ProxyDependencies } from './proxy-dependencies.js';

/**
 * Everything the proxy's routes share, built once per process: the route cache and its Redis
 * invalidation, platform keys, upstream connection pools, caller and balance caches, pricing and
 * the usage sink. Mounted by `proxyPlugin`; `start()` before serving, `close()` after the server
 * stopped.
 */
export interface ProxyServices {
  readonly settings: ProxySettings;
  readonly logger: Logger;
  readonly deps: ProxyDependencies;
  readonly routes: RouteCache;
  readonly systemKeys: SystemKeySet;
  readonly models: ModelResolver;
  readonly callers: CallerResolver;
  /** Gateway-token lookups, fresh and last known (readiness reads its size). */
  readonly tokens: GatewayTokenCache;
  readonly balances: TtlCache<number>;
  readonly upstreams: UpstreamTargets;
  /** Per-user concurrency caps and request rates, checked before each upstream call. */
  readonly admission: UpstreamAdmission;
  readonly pricer: Pricer;
  /** Credit reservations of platform-key requests, shared by all instances through Redis. */
  readonly credits: CreditHolds;
  /** Platform-key streams read on for their usage after the client left; stopped on close. */
  readonly drains: StreamDrains;
  readonly usage: UsageSink;
  /** Cool-downs, circuits and stats of users' keys, shared by every instance through Redis. */
  readonly keyHealth: KeyHealthTracker;
  /** The budgets of callers' owners, reloaded when they change. */
  readonly budgetCache: BudgetCache;
  /** Budget holds on the counters shared by every instance through Redis. */
  readonly budgets: BudgetGuard;
  /** The clock budgets' periods are read with. */
  readonly now: () => number;
  /** `PROXY_MAX_ATTEMPTS`, `PROXY_ATTEMPT_TIMEOUT_MS`, and the request deadline (`PROXY_UPSTREAM_HEADERS_TIMEOUT_MS`). */
  readonly maxAttempts: number;
  readonly attemptTimeoutMs: number;
  readonly requestDeadlineMs: number;
  /** Whether an OpenTelemetry SDK runs in this process (read once at boot). */
  readonly tracing: boolean;
  afterResponse(exchange: Exchange, responseStatus: number): void;
  /** Subscribes to key changes and key-health messages (waits for Redis to confirm). */
  start(): Promise<void>;
  /**
   * Stops platform-key streams still read for their usage (their events join the buffer), flushes
   * buffered usage events (waiting at most `flushTimeoutMs`, default 5 s, for Redis),
   * unsubscribes, closes the pools. Call after the server stopped and in-flight requests ended.
   */
  close(flushTimeoutMs?: number): Promise<void>;
}

export interface ProxyServicesOptions {
  /** Overrides of `config.proxy` (tests and benchmarks). */
  settings?: Partial<ProxySettings>;
  /**
   * Where usage events go; by default the usage queue through a buffered sink. A host may pass
   * its own (the benchmark measures the proxy without the queue this way).
   */
  usageSink?: UsageSink;
  /** Overrides of the cool-down and circuit numbers (tests shorten them). */
  keyHealthPolicy?: Partial<KeyHealthPolicy>;
  /** The wall clock budgets' periods are read with (tests move it to a new period). */
  now?: () => number;
}

const BALANCE_CACHE_USERS = 100_000;
const DEFAULT_FLUSH_TIMEOUT_MS = 5000;

export function createProxyServices(deps: ProxyDependencies, options: ProxyServicesOptions = {}): ProxyServices {
  const settings: ProxySettings = { ...deps.config.proxy, ...options.settings };
  const logger = deps.logger.child({ component: 'proxy' });
  const tokens = createGatewayTokenCache({
    find: (hash) => findGatewayTokenByHash(deps.orm.em.fork(), hash),
    ttlMs: settings.tokenCacheTtlMs,
    staleMaxMs: settings.staleMaxMs,
    onStale: (err) => logger.warn({ err }, 'gateway token lookup failed; the last known answer is used (stale)'),
  });
  const routes = createRouteCache({
    loadUserKeys: (userId) => findUserKeys(deps.orm.em.fork(), userId),
    loadUserSettings: (userId) => getUserSettings(deps.orm.em.fork(), userId),
    loadOrgMembership: (orgId, userId) => findOrgMembership(deps.orm.em.fork(), orgId, userId),
    loadMemberOrgIds: (userId) => findOrgIdsOfMember(deps.orm.em.fork(), userId),
    keyring: deps.keyring,
    staleMaxMs: settings.staleMaxMs,
    subscribe: withTokenRevocations(
      createRedisKeyChangeSubscription(deps.config.redisUrl, deps.config.redisPrefix, { onError: (err) => logger.debug({ err }, 'key-change subscription connection error') }),
      tokens,
    ),
    onRefreshError: (userId, err, orgId) => logger.warn({ err, user_id: userId, org_id: orgId }, 'background reload of routes failed; the cached routes stay in use'),
    onUndecryptableKey: (userId, keyId) => logger.error({ user_id: userId, key_id: keyId }, 'a stored key does not decrypt with the configured encryption keys; routing skips it'),
  });
  if (settings.maxConcurrentPerUser === 0 || settings.maxConcurrentPerUser >= settings.upstreamConnections) {
    // Then one caller's hung upstream requests can hold a provider's whole pool.
    logger.warn({ max_concurrent_per_user: settings.maxConcurrentPerUser, upstream_connections: settings.upstreamConnections }, 'PROXY_MAX_CONCURRENT_PER_USER is off or not below PROXY_UPSTREAM_CONNECTIONS: one user can take a whole upstream pool');
  }
  const usage = options.usageSink ?? createUsageSink({ queue: deps.producers.usageEvents.queue, connection: deps.redis, logger, maxBuffered: settings.usageBufferMax, spool: openProxyUsageSpool(deps, settings, logger) });
  const pricer = createPricer(loadPriceTable(settings.priceTableFile));
  const upstreams = createUpstreamTargets(deps.config.providers, settings);
  const drains = new StreamDrains({ maxMs: settings.streamDrainMs, maxBytes: settings.streamDrainBytes });
  const credits = createCreditHolds({ redis: deps.redis, prefix: deps.config.redisPrefix, ttlMs: settings.creditReservationTtlMs, pricer, defaultMaxTokens: settings.creditDefaultMaxTokens, logger });
  const now = options.now ?? Date.now;
  const budgets = createProxyBudgets(deps, settings, pricer, logger, now);
  const keyHealth = createKeyHealthTracker({
    redis: deps.redis,
    subscriber: () => createBlockingConnection(deps.config.redisUrl),
    keyPrefix: deps.config.redisPrefix,
    ...(options.keyHealthPolicy !== undefined ? { policy: options.keyHealthPolicy } : {}),
    onError: (err) => logger.debug({ err }, 'key health could not reach Redis; this instance goes on with its own copy'),
  });
  const afterResponse = createAfterResponse({
    usage,
    keyHealth,
    pricer,
    credits,
    budgets: budgets.guard,
    logger,
    metrics: createGatewayMetrics(),
    keyRejections: createKeyRejectionReporter({ producers: deps.producers, logger }),
    tokenUses: createTokenUseRecorder({
      touch: (tokenId) => touchGatewayToken(deps.orm.em.fork(), tokenId),
      onError: (err) => logger.debug({ err }, 'could not record a gateway token use'),
    }),
  });

  return {
    settings,
    logger,
    deps,
    routes,
    systemKeys: createSystemKeySet(deps.config.providers),
    models: createModelResolver(),
    callers: createCallerResolver({ authenticator: deps.authenticator, tokens }),
    tokens,
    balances: createTtlCache({
      load: (userId) => getCreditBalanceMicro(deps.orm.em.fork(), userId),
      ttlMs: settings.balanceCacheTtlMs,
      maxEntries: BALANCE_CACHE_USERS,
    }),
    upstreams,
    admission: createUpstreamAdmission({
      concurrency: createConcurrencyLimiter(),
      rates: createRequestRateLimiter({ redis: deps.redis, redisPrefix: deps.config.redisPrefix, limits: { platformPerMinute: settings.rateLimitRpm, byokPerMinute: settings.byokRateLimitRpm } }),
      maxConcurrentPerUser: settings.maxConcurrentPerUser,
      maxConcurrentPerKey: settings.maxConcurrentPerKey,
    }),
    pricer,
    credits,
    drains,
    usage,
    keyHealth,
    budgetCache: budgets.cache,
    budgets: budgets.guard,
    now,
    maxAttempts: settings.maxAttempts,
    attemptTimeoutMs: settings.attemptTimeoutMs,
    requestDeadlineMs: settings.upstreamHeadersTimeoutMs,
    tracing: isTracingEnabled(),
    afterResponse(exchange, responseStatus) {
      try {
        afterResponse(exchange, responseStatus);
      } catch (err) {
        // Side work must never take the process down; the response is already out.
        logger.error({ err, request_id: exchange.requestId }, 'after-response work failed');
      }
    },
    async start() {
      await Promise.all([routes.start(), keyHealth.start(), budgets.cache.start()]);
    },
    async close(flushTimeoutMs = DEFAULT_FLUSH_TIMEOUT_MS) {
      // Their usage events join the buffer before it is flushed.
      await drains.stopAll();
      const flushed = await usage.flush(flushTimeoutMs);
      if (!flushed) logger.error({ buffered: usage.buffered }, 'shutting down with usage events that could not be delivered');
      usage.close();
      await keyHealth.close();
      await routes.close();
      await budgets.cache.close();
      // After the drains: every request has settled; its use and the leases go back to Redis.
      await budgets.counters.close();
      await upstreams.close();
    },
  };
}

/** `createProxyServices` and `start()`: what `buildProxy` and a host process (standalone) call. */
export async function startProxyServices(deps: ProxyDependencies, options: ProxyServicesOptions = {}): Promise<ProxyServices> {
  const services = createProxyServices(deps, options);
  await services.start();
  return services;
}
