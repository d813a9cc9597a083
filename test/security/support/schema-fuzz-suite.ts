import { PROVIDER_IDS } from '@byok/providers';
import { createInPageChannel, emitNotifications, keyEventDraft } from '@byok/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../proxy/support/proxy-harness.js';
import { createCanaries, findNeedles, type Canaries } from './canary.js';
import type { FuzzIdentities } from './fuzz-request.js';
import { runSchemaFuzz, summarize, UNCHANGED_EXAMPLE_SHARE, type FuzzReport } from './schema-fuzz.js';
import { startSecurityHarness, type SecurityHarness } from './security-harness.js';
import { dumpRedisPrefix, dumpTables } from './state-snapshot.js';
import { type SeededRows, snapshotRows } from './seeded-rows.js';

/**
 * The schema fuzz as a suite, shared by the quick run inside `npm test` and the long dedicated
 * run (test/security/fuzz.test.ts). The fuzzed user's keys are canaries; after the run no answer,
 * log line, Redis value or table row may contain one. `FUZZ_SEED` replays a run.
 */
export function defineSchemaFuzzSuite(options: { label: string; numRuns: number; timeoutMs: number }): void {
  const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 2_147_483_647;
  let h: SecurityHarness;
  let canaries: Canaries;
  let ids: FuzzIdentities;
  let report: FuzzReport;
  let seeded: SeededRows;

  beforeAll(async () => {
    h = await startSecurityHarness(options.label, { env: { KEY_TEST_WAIT_MS: '0', PROVIDER_TIMEOUT_MS: '2000' } });
    await h.startWorker();
    canaries = createCanaries();
    const user = await h.bearer('fuzz-user');
    // A key for every provider, so the routes that take a provider reach past their lookup whichever one the fuzz draws.
    for (const provider of PROVIDER_IDS) {
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: user, payload: { provider, api_key: canaries.key(provider, 'valid') } });
      expect(res.statusCode).toBe(201);
    }
    const token = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: user, payload: { name: 'fuzz' } });
    const keys = await h.app.inject({ url: '/api/v1/llm/byok/keys', headers: user });
    // A webhook, one of its deliveries and a notification of the user's own, so the routes that
    // look them up by id are reached past their lookup too.
    // Several webhooks, since the fuzz deletes some of them on the way.
    const webhookIds: string[] = [];
    const deliveries: Array<{ webhookId: string; id: string }> = [];
    for (let n = 0; n < 4; n++) {
      const webhook = await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: user, payload: { url: `https://hooks.example.com/fuzz-seed-${n}`, events: ['key_invalid'] } });
      expect(webhook.statusCode, webhook.body).toBe(201);
      const webhookId = webhook.json<{ id: string }>().id;
      const delivery = await h.app.inject({ method: 'POST', url: `/api/v1/webhooks/${webhookId}/test`, headers: user });
      expect(delivery.statusCode, delivery.body).toBe(202);
      webhookIds.push(webhookId);
      deliveries.push({ webhookId, id: delivery.json<{ id: string }>().id });
    }
    // Budgets of the user's own, several since the fuzz deletes some.
    const budgetIds: string[] = [];
    for (const period of ['day', 'week', 'month']) {
      const budget = await h.app.inject({ method: 'POST', url: '/api/v1/llm/budgets', headers: user, payload: { scope: 'user', period, limits: { requests: 100 } } });
      expect(budget.statusCode, budget.body).toBe(201);
      budgetIds.push(budget.json<{ id: string }>().id);
    }
    // Organizations the user owns, with a colleague the member routes can name (the fuzz deletes some).
    const orgIds: string[] = [];
    for (let n = 0; n < 4; n++) {
      const org = await h.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: user, payload: { name: `fuzz org ${n}` } });
      expect(org.statusCode, org.body).toBe(201);
      const orgId = org.json<{ id: string }>().id;
      const colleague = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/members`, headers: user, payload: { user_id: 'fuzz-colleague', role: 'member' } });
      expect(colleague.statusCode, colleague.body).toBe(201);
      orgIds.push(orgId);
    }
    // Keys of every provider in the first two organizations, so the org key routes are reached past their lookup too.
    const orgKeys: Array<{ orgId: string; id: string; provider: string }> = [];
    for (const orgId of orgIds.slice(0, 2)) {
      for (const provider of PROVIDER_IDS) {
        const orgKey = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/byok/keys`, headers: user, payload: { provider, api_key: canaries.key(provider, 'valid') } });
        expect(orgKey.statusCode, orgKey.body).toBe(201);
        orgKeys.push({ orgId, id: orgKey.json<{ id: string }>().id, provider });
      }
    }
    const [firstKey] = keys.json<{ keys: Array<{ id: string; provider: string }> }>().keys;
    if (firstKey === undefined) throw new Error('the fuzz user should have keys');
    const [notification] = await h.api.runtime.orm.em.fork().transactional((em) => emitNotifications(em, [keyEventDraft('key_invalid', { keyId: firstKey.id, userId: 'fuzz-user', provider: firstKey.provider, label: 'default' })]));
    if (notification === undefined) throw new Error('the notification should be emitted');
    await createInPageChannel({ orm: h.api.runtime.orm }).deliver([notification.event]);
    seeded = await snapshotRows(h, ['byok_orgs', 'byok_org_members', 'user_provider_keys', 'webhooks', 'webhook_deliveries', 'budgets']);
    ids = {
      user: user.authorization ?? '',
      admin: (await h.bearer('fuzz-admin', { admin: true })).authorization ?? '',
      gateway: `Bearer ${token.json<{ token: string }>().token}`,
      resourceIds: {
        keys: keys.json<{ keys: Array<{ id: string }> }>().keys.map((k) => k.id),
        tokens: [token.json<{ id: string }>().id],
        webhooks: webhookIds,
        deliveries,
        notifications: [notification.event.id],
        budgets: budgetIds,
        orgs: orgIds,
        orgMembers: ['fuzz-colleague'],
        orgKeys,
      },
    };
  }, 120_000);
  afterAll(() => h?.close());

  describe(`schema-driven fuzzing of every operation (${options.numRuns} requests)`, () => {
    it(
      'never answers 500, keeps every error in the error shape, and echoes no credential',
      async () => {
        const started = Date.now();
        report = await runSchemaFuzz({ app: h.app, doc: h.doc, operations: h.operations, ids, needles: canaries.needles(), numRuns: options.numRuns, seed, restore: seeded.restore });
        console.info(
          `schema fuzz: ${report.cases} requests in ${Date.now() - started} ms, seed ${seed}; ${report.reachedSuccess.size}/${h.operations.length} operations answered 2xx (${report.reachedByRandom.size} to a random request, the others only to an example; ` +
            `${report.unchangedExamples.succeeded} of ${report.unchangedExamples.sent} unchanged examples answered 2xx); ` +
            `statuses ${JSON.stringify(report.statuses)}`,
        );
        expect(summarize(report, seed)).toEqual([]);
        expect(report.cases).toBe(options.numRuns);
      },
      options.timeoutMs,
    );

    // Every operation has a valid example (example-requests.ts). Once a run sends each one unchanged
    // ten times or more (the long run: 16), an operation it never reached is a defect, not bad luck,
    // so all must be reached; a shorter run, most of them. An operation that cannot answer 2xx to
    // these callers at all would be left out here by name, with why; there is none.
    it('reached past validation on every operation in a long run, on most in a short one (the fuzz is not only testing the validator)', () => {
      const operations = h.operations.map((op) => `${op.method} ${op.path}`);
      const reached = operations.filter((op) => report.reachedSuccess.has(op));
      const unchangedExamplesPerOperation = (options.numRuns * UNCHANGED_EXAMPLE_SHARE) / operations.length;
      const wanted = unchangedExamplesPerOperation >= 10 ? operations.length : Math.min(operations.length - 4, options.numRuns / 30);
      expect(reached.length, `not reached: ${operations.filter((op) => !report.reachedSuccess.has(op)).join(', ')}; statuses: ${JSON.stringify(report.statuses)}`).toBeGreaterThanOrEqual(wanted);
    });

    it('left no canary in any log line, Redis value or table row', async () => {
      const queue = h.api.runtime.producers.keyTests.queue;
      await waitFor(async () => Object.values(await queue.getJobCounts('waiting', 'active')).every((n) => n === 0), 60_000, 'key tests drained').catch(() => undefined);
      const tables = await dumpTables(h.api.db);
      const sources = {
        apiLogs: h.api.logs.join(''),
        workerLogs: h.workerLogs.join(''),
        redis: (await dumpRedisPrefix(h.api.runtime.redis, h.api.redisPrefix)).join('\n'),
        ...Object.fromEntries(Object.entries(tables).map(([table, rows]) => [`table ${table}`, rows.join('\n')])),
      };
      expect(findNeedles(sources, canaries.needles())).toEqual([]);
    }, 120_000);
  });
}
