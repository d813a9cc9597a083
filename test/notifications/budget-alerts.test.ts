import { scanBudgetAlerts } from '@byok/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertBudget, insertOrg, insertUsage, outboxEvents } from './support/budget-fixtures.js';
import { type NotifierHarness, startNotifierHarness, waitUntil } from './support/notifier-harness.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Noon of a fixed day, so each test's periods are known; the scans get it as their clock. */
const NOON = Date.parse('2026-12-07T12:00:00Z');

describe('budget thresholds and exhaustion (budget_threshold, budget_exceeded)', () => {
  let h: NotifierHarness;
  beforeAll(async () => {
    h = await startNotifierHarness('notify_budgets');
  });
  afterAll(async () => {
    await h.close();
  });

  const scan = (now: number) => scanBudgetAlerts(h.runtime.orm, { since: now - 5 * MINUTE_MS, now });
  const summary = async (budgetId: string) =>
    (await outboxEvents(h.db, ['budget_threshold', 'budget_exceeded'], budgetId)).map((e) => [e.type, e.user_id, e.payload.details.threshold ?? null, e.payload.details.periodId]);

  it('tells the owner each threshold and the exhaustion once per period, however many scans run at once', async () => {
    const budget = await insertBudget(h.db, { ownerId: 'alice', scope: 'user', limits: { requests: 10, spend_micro_usd: 1_000_000 }, thresholds: [50, 80] });
    await insertUsage(h.db, { userId: 'alice', at: NOON - MINUTE_MS }, 6);
    // Two notifiers scanning the same usage at the same moment.
    await Promise.all([scan(NOON), scan(NOON)]);
    expect(await summary(budget)).toEqual([['budget_threshold', 'alice', 50, '2026-12-07']]);

    await insertUsage(h.db, { userId: 'alice', at: NOON + MINUTE_MS }, 2);
    await Promise.all([scan(NOON + 2 * MINUTE_MS), scan(NOON + 2 * MINUTE_MS)]);
    await insertUsage(h.db, { userId: 'alice', at: NOON + 3 * MINUTE_MS }, 2);
    await Promise.all([scan(NOON + 4 * MINUTE_MS), scan(NOON + 4 * MINUTE_MS), scan(NOON + 5 * MINUTE_MS)]);
    expect(await summary(budget)).toEqual([
      ['budget_threshold', 'alice', 50, '2026-12-07'],
      ['budget_threshold', 'alice', 80, '2026-12-07'],
      ['budget_exceeded', 'alice', null, '2026-12-07'],
    ]);
    const [exceeded] = await outboxEvents(h.db, ['budget_exceeded'], budget);
    expect(exceeded?.payload.subject).toEqual({ kind: 'budget', budgetId: budget });
    expect(exceeded?.payload.details).toMatchObject({
      budgetId: budget,
      scope: 'user',
      scopeId: null,
      period: 'day',
      periodId: '2026-12-07',
      timeZone: 'UTC',
      metric: 'requests',
      limit: 10,
      used: 10,
      percent: 100,
      use: { requests: 10, tokens: 100, spend_micro_usd: 1000 },
      resetsAt: '2026-12-08T00:00:00.000Z',
      blocked: false,
      keyDisabled: false,
    });
    expect(exceeded?.payload.message).toContain('Daily user budget reached its requests limit (10 of 10)');
    // The link opens the budget's own card.
    expect(exceeded?.payload.link).toBe(`/account/budgets#budget-${budget}`);

    // The next day is a new period: its thresholds are told again.
    await insertUsage(h.db, { userId: 'alice', at: NOON + DAY_MS }, 6);
    await scan(NOON + DAY_MS + MINUTE_MS);
    expect((await summary(budget)).slice(3)).toEqual([['budget_threshold', 'alice', 50, '2026-12-08']]);
  });

  it('counts only the budget period: usage of the day before does not cross today\'s thresholds', async () => {
    const budget = await insertBudget(h.db, { ownerId: 'bruno', scope: 'provider', scopeId: 'openai', limits: { tokens: 100 } });
    await insertUsage(h.db, { userId: 'bruno', at: NOON - DAY_MS, tokens: 95 });
    await insertUsage(h.db, { userId: 'bruno', at: NOON - MINUTE_MS, tokens: 10 });
    // Another provider's requests are not the provider budget's.
    await insertUsage(h.db, { userId: 'bruno', provider: 'groq', at: NOON - MINUTE_MS, tokens: 90 });
    await scan(NOON);
    expect(await summary(budget)).toEqual([]);
  });

  it('tells a refused request as budget_exceeded, even below the limits, while its period lasts', async () => {
    const budget = await insertBudget(h.db, { ownerId: 'carla', scope: 'user', limits: { spend_micro_usd: 5_000_000 } });
    const stale = await insertBudget(h.db, { ownerId: 'carla', scope: 'provider', scopeId: 'groq', limits: { requests: 100 } });
    await insertUsage(h.db, { userId: 'carla', at: NOON - MINUTE_MS, blockedBudgetId: budget });
    // Refused just before midnight, seen just after it: the budget has reset meanwhile, so there is nothing to tell.
    const midnight = Date.parse('2026-12-08T00:00:00Z');
    await insertUsage(h.db, { userId: 'carla', provider: 'groq', at: midnight - 30_000, blockedBudgetId: stale });
    await scan(NOON);
    await scan(midnight + 30_000);
    const [event] = await outboxEvents(h.db, ['budget_exceeded'], budget);
    expect(event).toMatchObject({ user_id: 'carla', payload: { details: { blocked: true, percent: 0, periodId: '2026-12-07' } } });
    // The refused request reached no provider: it counts nothing.
    expect(event?.payload.details.use).toEqual({ requests: 0, tokens: 0, spend_micro_usd: 0 });
    expect(await summary(stale)).toEqual([]);
  });

  it("tells an organization's owners and admins about its budgets, not its members nor anyone else", async () => {
    const orgId = await insertOrg(h.db, { 'org-owner': 'owner', 'org-admin': 'admin', 'org-member': 'member' });
    const budget = await insertBudget(h.db, { ownerId: `org:${orgId}`, scope: 'org', scopeId: orgId, limits: { spend_micro_usd: 1000 }, thresholds: [80] });
    const member = await insertBudget(h.db, { ownerId: `org:${orgId}`, scope: 'org_member', scopeId: `${orgId}/org-member`, limits: { requests: 1 } });
    await insertUsage(h.db, { userId: 'org-member', orgId, at: NOON - MINUTE_MS, costMicro: 850 });
    // The member's own requests (not for the org) count toward neither.
    await insertUsage(h.db, { userId: 'org-member', at: NOON - MINUTE_MS, costMicro: 10_000 });
    await scan(NOON);
    expect(await summary(budget)).toEqual([
      ['budget_threshold', 'org-admin', 80, '2026-12-07'],
      ['budget_threshold', 'org-owner', 80, '2026-12-07'],
    ]);
    // Used up at once: the exhaustion and every threshold on the way, to each manager.
    expect(await summary(member)).toEqual(
      ['org-admin', 'org-owner'].flatMap((user) => [
        ['budget_exceeded', user, null, '2026-12-07'],
        ['budget_threshold', user, 80, '2026-12-07'],
        ['budget_threshold', user, 90, '2026-12-07'],
      ]),
    );
  });

  it('looks only at budgets touched since the last scan, and skips budgets whose owner, scope id or time zone names nothing', async () => {
    const quiet = await insertBudget(h.db, { ownerId: 'dora', scope: 'user', limits: { requests: 1 } });
    await insertUsage(h.db, { userId: 'dora', at: NOON - 30 * MINUTE_MS });
    const odd = await insertBudget(h.db, { ownerId: 'org:not-a-uuid', scope: 'key', scopeId: 'not-a-key', limits: { requests: 1 } });
    await insertUsage(h.db, { userId: 'eve', at: NOON - MINUTE_MS, blockedBudgetId: odd });
    const lost = await insertBudget(h.db, { ownerId: 'eve', scope: 'provider', scopeId: 'openai', timeZone: 'Mars/Olympus', limits: { requests: 1 } });
    const other = await insertBudget(h.db, { ownerId: 'eve', scope: 'user', limits: { requests: 100 } });
    await insertUsage(h.db, { userId: 'eve', at: NOON - MINUTE_MS, blockedBudgetId: other });
    await scan(NOON);
    // Budgets naming what is not their owner's tell nobody about it (the API refuses them).
    const orgId = await insertOrg(h.db, { 'org-boss': 'owner' });
    const spy = await insertBudget(h.db, { ownerId: 'mallory', scope: 'org', scopeId: orgId, limits: { requests: 1 } });
    const eveKey = await h.insertKey({ userId: 'eve', provider: 'openai' });
    const keySpy = await insertBudget(h.db, { ownerId: 'mallory', scope: 'key', scopeId: eveKey.keyId, limits: { requests: 1 } });
    await insertUsage(h.db, { userId: 'eve', orgId, keyId: eveKey.keyId, at: NOON - MINUTE_MS }, 2);
    await insertUsage(h.db, { userId: 'mallory', at: NOON - MINUTE_MS });
    await scan(NOON);
    expect(await summary(spy)).toEqual([]);
    expect(await summary(keySpy)).toEqual([]);
    // Dora's request was before the scan's window: a scan that ran then told her already.
    expect(await summary(quiet)).toEqual([]);
    // A key id that is no uuid names no key (its sum would fail the cast), and nobody manages
    // org:not-a-uuid: nothing is told, and the scan still tells everybody else.
    expect(await summary(odd)).toEqual([]);
    // Nor can a budget in a time zone nobody knows be judged (the API refuses those too).
    expect(await summary(lost)).toEqual([]);
    expect((await summary(other)).map(([type]) => type)).toEqual(['budget_exceeded']);
  });

  it('runs in the notifier every 15 s: two notifiers tell a crossed threshold once', async () => {
    const budget = await insertBudget(h.db, { ownerId: 'frank', scope: 'user', limits: { requests: 2 }, thresholds: [50] });
    await h.startNotifier();
    await h.startNotifier();
    await insertUsage(h.db, { userId: 'frank', at: Date.now() });
    await waitUntil(async () => (await h.inPage('frank')).length > 0, 40_000, 'the threshold notification in the page');
    await new Promise((resolve) => setTimeout(resolve, 16_000));
    expect((await h.inPage('frank')).map((n) => n.type)).toEqual(['budget_threshold']);
    expect(await summary(budget)).toHaveLength(1);
  }, 90_000);
});
