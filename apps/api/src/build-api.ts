import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import inject from 'light-my-request';
import { QueueEvents } from 'bullmq';
import { createKeyHealthReader, forgetKeyHealth } from '@byok/key-health';
import { createBlockingConnection, createProducerConnection, publishKeyChange, publishTokenRevoked, QUEUES } from '@byok/queues';
import { createWebhookChannel } from '@byok/notifications/webhooks';
import { authPlugin, errorHandlerPlugin, frameworkErrorHandler, httpHardeningPlugin, requestIdFrom } from '@byok/http';
import type { ApiDependencies } from './api-dependencies.js';
import { adminKeysRoutes } from './admin/admin-keys.routes.js';
import { adminOrgsRoutes } from './admin/admin-orgs.routes.js';
import { encryptionRotationRoutes } from './admin/encryption-rotation.routes.js';
import { createEncryptionRotationService } from './admin/encryption-rotation.service.js';
import { auditRoutes } from './audit/audit.routes.js';
import { createBudgetAnnouncer } from './budgets/budget-announcer.js';
import { budgetsRoutes } from './budgets/budgets.routes.js';
import { createBudgetService } from './budgets/budget.service.js';
import { createAuditService } from './audit/audit.service.js';
import { creditsRoutes } from './credits/credits.routes.js';
import { createCreditsService } from './credits/credits.service.js';
import { assertDevLoginLoopback, devAuthRoutes } from './dev-auth/dev-auth.routes.js';
import { healthRoutes } from './health/health.routes.js';
import { createKeyTestJobWaiter } from './keys/job-wait.js';
import { keyTestRoutes } from './keys/key-test.routes.js';
import { createKeyTestService } from './keys/key-test.service.js';
import { createKeyTestLimiter } from './keys/key-test-limiter.js';
import { createKeyService } from './keys/key.service.js';
import { keyByIdRoutes } from './keys/key-by-id.routes.js';
import { createKeyHealthLookup } from './keys/key-health-lookup.js';
import { createKeyPoolService } from './keys/key-pool.service.js';
import { keysRoutes } from './keys/keys.routes.js';
import { keyListRoutes } from './keys/key-list.routes.js';
import { CALLER_KEYS } from './keys/key-owner-scope.js';
import { orgKeysPlugin } from './org-keys/org-keys.plugin.js';
import { orgUsageRoutes } from './usage/org-usage.routes.js';
import { orgAuditRoutes } from './audit/org-audit.routes.js';
import { createOrgUsageService } from './usage/org-usage.service.js';
import { apiPrincipalResolver } from './plugins/api-principal.resolver.js';
import { buildValidatorCoercingTextOnly } from './http/validator-compilers.js';
import { openApiPlugin } from './plugins/openapi.plugin.js';
import { ormContextPlugin } from './plugins/orm-context.plugin.js';
import { providersRoutes } from './providers/providers.routes.js';
import { settingsRoutes } from './settings/settings.routes.js';
import { createSettingsService } from './settings/settings.service.js';
import { queueDashboardRoutes } from './queue-dashboard/queue-dashboard.routes.js';
import { tokensRoutes } from './tokens/tokens.routes.js';
import { createTokenService } from './tokens/token.service.js';
import { usageRoutes } from './usage/usage.routes.js';
import { createUsageService } from './usage/usage.service.js';
import { notificationsRoutes } from './notifications/notifications.routes.js';
import { createClaimOrgRecorder, recordingClaimOrgs } from './orgs/claim-org-recorder.js';
import { orgMembersRoutes } from './orgs/org-members.routes.js';
import { createOrgMembersService } from './orgs/org-members.service.js';
import { createOrgService, MAX_ORGS_PER_CREATOR } from './orgs/org.service.js';
import { orgsRoutes } from './orgs/orgs.routes.js';
import { recipientRecorderPlugin } from './notifications/recipient-recorder.plugin.js';
import { webRoutes } from './web/web.routes.js';
import { createWebhookService, MAX_WEBHOOKS_PER_USER, WEBHOOK_TESTS_PER_MINUTE } from './webhooks/webhook.service.js';
import { webhooksRoutes } from './webhooks/webhooks.routes.js';
import { requireFiniteNumbers } from './http/well-formed-input.js';
import { createFixedWindowLimiter } from './http/fixed-window-limiter.js';
import { WARM_UP_OWNER_PREFIX, warmUpApi } from './warm-up/api-warm-up.js';
import { createWarmUpCaller } from './warm-up/warm-up-caller.js';

/**
 * The most pool connections opened (and prepared) before the API answers. The whole pool, up to
 * this: a burst of saves right after the start fills the pool, and each connection it had to open
 * then (a Postgres backend, its statements parsed and planned) held up the requests queued behind
 * it. Warming 8 of the default 20 left a fresh API's first second of saves at p50 1.3 s at a paced
 * 300/s on a slow machine; warming all 20, 0.3 s (bench/RESULTS.md, 2026-12-07).
 */
const WARM_POOL_CONNECTIONS_MAX = 32;

/**
 * Builds the API: infrastructure plugins first (errors, request ids, auth, ORM context, OpenAPI),
 * then one plugin per route group. Returns the instance unstarted, so tests can `inject`.
 */
export async function buildApi(deps: ApiDependencies) {
  assertDevLoginLoopback(deps.config);
  const warmUpCaller = createWarmUpCaller(`${WARM_UP_OWNER_PREFIX}http`);
  const app = Fastify({
    loggerInstance: deps.logger,
    // The warm-up's own requests (before the port opens) are not the access log's business.
    logController: new LogController({ disableRequestLogging: (request: { headers: { authorization?: string | undefined } }) => warmUpCaller.isWarmUpRequest(request) }),
    bodyLimit: deps.config.apiBodyLimitBytes,
    genReqId: requestIdFrom,
    // Reject unknown fields instead of silently dropping them, so typos surface as 400s. Coercion
    // applies to query strings, path parameters and headers only (see validator-compilers.ts).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: buildValidatorCoercingTextOnly() } },
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // After validation: Ajv's coercion lets `1e309` through as Infinity, past `maximum` (see requireFiniteNumbers).
  app.addHook('preHandler', (request, _reply, done) => {
    try {
      requireFiniteNumbers({ querystring: request.query, params: request.params, body: request.body });
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
  await app.register(errorHandlerPlugin);
  // At the root, so the proxy's routes get the same parser, headers and throttle when mounted here.
  await app.register(httpHardeningPlugin, { publicUrl: deps.config.publicUrl, redis: deps.redis, redisPrefix: deps.config.redisPrefix, authFailures: deps.config.authFailures });
  // Key, routing-settings and membership changes (a user id, or org:<id>): the proxies drop the cached routes of that owner on this announcement.
  const announceKeyChange = async (userId: string): Promise<void> => {
    try {
      await publishKeyChange(deps.redis, deps.config.redisPrefix, userId);
    } catch (err) {
      // The change is committed; proxies also drop their caches when their subscriber reconnects.
      deps.logger.warn({ err, user_id: userId }, 'could not announce key change');
    }
  };
  const announceTokenRevoked = async (tokenHash: string): Promise<void> => {
    try {
      await publishTokenRevoked(deps.redis, deps.config.redisPrefix, tokenHash);
    } catch (err) {
      // Committed; the proxies' token cache expires the entry within its TTL (10 s) regardless.
      deps.logger.warn({ err }, 'could not announce a token revocation');
    }
  };
  const recordClaimOrgs = createClaimOrgRecorder({ orm: deps.orm, announceKeyChange, announceTokenRevoked, logger: deps.logger, maxRemembered: 10_000 });
  await app.register(authPlugin, { resolvePrincipal: warmUpCaller.admitting(recordingClaimOrgs(apiPrincipalResolver(deps.authenticator), recordClaimOrgs)) });
  await app.register(ormContextPlugin, { orm: deps.orm });
  await app.register(openApiPlugin, { publicUrl: deps.config.publicUrl, requireSignIn: deps.config.production && !deps.config.apiDocsPublic });

  // Test results arrive as queue events; one listener per API process, open while requests wait, serves them all.
  const keyTestJobs = createKeyTestJobWaiter({
    queue: deps.producers.keyTests.queue,
    redis: deps.redis,
    waitMs: deps.config.keyTestWaitMs,
    openEvents: (lastEventId) => {
      const connection = createBlockingConnection(deps.config.redisUrl);
      const events = new QueueEvents(QUEUES.keyTests.name, { connection, prefix: deps.config.redisPrefix, lastEventId });
      events.on('error', (err) => deps.logger.debug({ err }, 'queue events connection error'));
      return {
        events,
        async close() {
          await events.close();
          // BullMQ leaves connections it was handed open; this one is ours alone.
          connection.disconnect();
        },
      };
    },
  });
  app.addHook('onClose', () => keyTestJobs.close());
  // Saves and manual tests share one per-user budget of the provider calls they cause.
  const perMinute = deps.config.keyTestRateLimitPerMinute;
  const limiter = createKeyTestLimiter({ redis: deps.redis, redisPrefix: deps.config.redisPrefix, perMinute });

  const maxKeysPerProvider = deps.config.maxKeysPerProvider;
  // Health reads get a connection of their own: a pipeline copies every script defined on its
  // connection, and BullMQ defines some sixty on the shared one, which made that copy a visible
  // part of each listing (#15).
  const healthRedis = createProducerConnection(deps.config.redisUrl);
  healthRedis.on('error', (err) => deps.logger.debug({ err }, 'key health connection error'));
  app.addHook('onClose', async () => {
    healthRedis.disconnect();
  });
  const forgetReplacedKeyHealth = async (keyId: string): Promise<void> => {
    try {
      await forgetKeyHealth(healthRedis, deps.config.redisPrefix, keyId);
    } catch (err) {
      // The save is committed; the old text's block runs out by itself (at most 10 minutes).
      deps.logger.warn({ err, key_id: keyId }, 'could not clear the health of a replaced key');
    }
  };
  const keys = createKeyService({ producers: deps.producers, keyTestJobs, keyring: deps.keyring, limiter, announceKeyChange, forgetKeyHealth: forgetReplacedKeyHealth, maxKeysPerProvider });
  const keyTests = createKeyTestService({ producers: deps.producers, keyTestJobs, limiter });
  const pool = createKeyPoolService({ keys, announceKeyChange });
  // Bounded well below a request's patience: health only decorates a listing.
  const healthOf = createKeyHealthLookup({ reader: createKeyHealthReader({ redis: healthRedis, keyPrefix: deps.config.redisPrefix }), logger: deps.logger, timeoutMs: 500 });
  // A fresh API's first second would otherwise pay for its connections, prepared statements and first code runs (#15).
  const connections = Math.min(WARM_POOL_CONNECTIONS_MAX, deps.config.databasePoolMax);
  app.addHook('onReady', () => warmUpApi({ orm: deps.orm, authenticator: deps.authenticator, keys, healthOf, healthRedis, connections, inject: (request) => inject(app.routing, request), caller: warmUpCaller, logger: deps.logger }));

  await app.register(healthRoutes, { orm: deps.orm, redis: deps.redis });
  await app.register(keyListRoutes, { prefix: '/api/v1/llm/byok', keys, healthOf });
  await app.register(keysRoutes, { prefix: '/api/v1/llm/byok', keys, healthOf, perMinute, maxKeysPerProvider, scope: CALLER_KEYS });
  await app.register(keyByIdRoutes, { prefix: '/api/v1/llm/byok', pool, healthOf, scope: CALLER_KEYS });
  await app.register(keyTestRoutes, { prefix: '/api/v1/llm/byok', keyTests, perMinute, scope: CALLER_KEYS });
  await app.register(orgKeysPlugin, { prefix: '/api/v1/orgs/:org/byok', keys, pool, keyTests, healthOf, perMinute, maxKeysPerProvider });
  await app.register(settingsRoutes, { prefix: '/api/v1/llm/byok', settings: createSettingsService({ announceKeyChange }) });
  await app.register(providersRoutes, { prefix: '/api/v1/llm/byok' });
  const tokens = createTokenService({ announceRevoked: announceTokenRevoked, maxActivePerUser: deps.config.gatewayTokensPerUserMax });
  await app.register(tokensRoutes, { prefix: '/api/v1/llm', tokens });
  const announceBudgetChange = createBudgetAnnouncer({ redis: deps.redis, redisPrefix: deps.config.redisPrefix, logger: deps.logger });
  await app.register(budgetsRoutes, { prefix: '/api/v1/llm', budgets: createBudgetService({ announce: announceBudgetChange, announceKeyChange, now: Date.now }) });
  await app.register(orgsRoutes, { prefix: '/api/v1', orgs: createOrgService({ announceKeyChange, announceTokenRevoked, maxOrgsPerCreator: MAX_ORGS_PER_CREATOR }) });
  const orgMembers = createOrgMembersService({ announceKeyChange, announceTokenRevoked });
  await app.register(orgMembersRoutes, { prefix: '/api/v1', members: orgMembers });
  await app.register(queueDashboardRoutes, { producers: deps.producers, config: deps.config });
  await app.register(adminKeysRoutes, { prefix: '/api/v1/admin/byok', keys });
  await app.register(adminOrgsRoutes, { prefix: '/api/v1/admin/byok', members: orgMembers });
  const rotation = createEncryptionRotationService({ producers: deps.producers, encryptionKeys: deps.config.encryptionKeys });
  await app.register(encryptionRotationRoutes, { prefix: '/api/v1/admin/byok', rotation });
  // Read side: each plugin holds user routes and their admin counterparts, so all three sit under /api/v1.
  await app.register(usageRoutes, { prefix: '/api/v1', usage: createUsageService({ now: () => new Date() }) });
  const audit = createAuditService({ exportPageSize: 1000 });
  await app.register(auditRoutes, { prefix: '/api/v1', audit });
  await app.register(orgUsageRoutes, { prefix: '/api/v1', usage: createOrgUsageService({ now: () => new Date() }) });
  await app.register(orgAuditRoutes, { prefix: '/api/v1', audit });
  await app.register(creditsRoutes, { prefix: '/api/v1', credits: createCreditsService({ recentLedgerEntries: 50 }) });
  await app.register(recipientRecorderPlugin, { orm: deps.orm });
  await app.register(notificationsRoutes, { prefix: '/api/v1' });
  const webhookChannel = createWebhookChannel({ orm: deps.orm, producer: deps.producers.webhookDeliveries });
  const webhookTests = createFixedWindowLimiter({ redis: deps.redis, redisPrefix: deps.config.redisPrefix, name: 'webhook-test', perMinute: WEBHOOK_TESTS_PER_MINUTE, queueName: QUEUES.webhookDeliveries.name });
  const webhooks = createWebhookService({
    keyring: deps.keyring,
    channel: webhookChannel,
    urlRules: { production: deps.config.production, allowPrivate: deps.config.webhooks.allowPrivate },
    maxPerUser: MAX_WEBHOOKS_PER_USER,
    testLimiter: webhookTests,
  });
  await app.register(webhooksRoutes, { prefix: '/api/v1', webhooks });
  await app.register(devAuthRoutes, { prefix: '/api/v1', config: deps.config });
  await app.register(webRoutes, { config: deps.config });
  return app;
}
