import { appendAudit, setUserKeyEnabled } from '@byok/db';
import { resetBudgetDisabledKeys, scanBudgetAlerts } from '@byok/notifications';
import { keyChangeChannel } from '@byok/queues';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertBudget, insertUsage, outboxEvents } from './support/budget-fixtures.js';
import { type NotifierHarness, startNotifierHarness, type TestKey, waitUntil } from './support/notifier-harness.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const NOON = Date.parse('2026-12-07T12:00:00Z');
/** Each test's own day, so that no test's scan or reset sees another's usage or periods. */
const dayOf = (test: number) => NOON + test * 10 * DAY_MS;

describe('the disable_key action of key budgets', () => {
  let h: NotifierHarness;
  beforeAll(async () => {
    h = await startNotifierHarness('notify_budget_keys');
  });
  afterAll(async () => {
    await h.close();
  });

  const scan = (now: number) => scanBudgetAlerts(h.runtime.orm, { since: now - 5 * MINUTE_MS, now });
  const reset = (now: number) => resetBudgetDisabledKeys(h.runtime.orm, { now });
  const enabled = async (keyId: string) => (await h.db.sql<{ enabled: boolean }>('SELECT enabled FROM user_provider_keys WHERE id = $1', [keyId]))[0]?.enabled;
  const periodOf = async (budgetId: string) => (await h.db.sql<{ p: string | null }>('SELECT disabled_key_period AS p FROM budgets WHERE id = $1', [budgetId]))[0]?.p;
  const toggles = (keyId: string) =>
    h.db.sql<{ action: string; actor_type: string; details: Record<string, unknown> }>(
      `SELECT action, actor_type, details FROM audit_log WHERE key_id = $1 AND action IN ('key.enabled', 'key.disabled') ORDER BY id`,
      [keyId],
    );
  /** What the keys API does when the owner flips the switch: the owner's toggle and its audit record, in one transaction. */
  const ownerSets = (key: TestKey, to: boolean) =>
    h.runtime.orm.em.fork().transactional(async (tx) => {
      const state = await setUserKeyEnabled(tx, { id: key.keyId }, to);
      if (state?.changed) await appendAudit(tx, { actorId: key.userId, actorType: 'user', action: to ? 'key.enabled' : 'key.disabled', subjectUserId: key.userId, provider: key.provider, keyId: key.keyId });
    });
  /** A daily key budget with `disable_key`, used up (two requests of two) a minute before `at`. */
  const exhaustedKeyBudget = async (key: TestKey, at: number) => {
    const budget = await insertBudget(h.db, { ownerId: key.userId, scope: 'key', scopeId: key.keyId, limits: { requests: 2 }, action: 'disable_key' });
    await insertUsage(h.db, { userId: key.userId, keyId: key.keyId, at: at - MINUTE_MS }, 2);
    return budget;
  };

  it('disables the key once when the budget is used up and enables it again at the reset', async () => {
    const key = await h.insertKey({ userId: 'kim', provider: 'openai' });
    const budget = await exhaustedKeyBudget(key, NOON);
    // Two notifiers at once: one disable, one audit record.
    const [first, second] = await Promise.all([scan(NOON), scan(NOON)]);
    expect([...(first?.disabledKeys ?? []), ...(second?.disabledKeys ?? [])]).toEqual([{ keyId: key.keyId, userId: 'kim' }]);
    expect(await enabled(key.keyId)).toBe(false);
    expect(await periodOf(budget)).toBe('2026-12-07');
    expect(await toggles(key.keyId)).toEqual([{ action: 'key.disabled', actor_type: 'system', details: { reason: 'budget_exceeded', budget_id: budget, period: '2026-12-07' } }]);
    const [exceeded] = await outboxEvents(h.db, ['budget_exceeded'], budget);
    expect(exceeded?.payload.details).toMatchObject({ keyDisabled: true, action: 'disable_key', scope: 'key', scopeId: key.keyId });
    expect(exceeded?.payload.message).toContain('Its key was disabled and is enabled again when the budget resets.');
    // The key's owner is told about the key itself too (once, although two scans raced), with the budget and the reset.
    const disabled = await h.db.sql<{ user_id: string; payload: { subject: unknown; message: string; action: string; details: Record<string, unknown> } }>(
      `SELECT user_id, payload FROM notification_outbox WHERE type = 'key_auto_disabled' AND payload->'subject'->>'keyId' = $1`,
      [key.keyId],
    );
    expect(disabled).toHaveLength(1);
    expect(disabled[0]).toMatchObject({ user_id: 'kim', payload: { subject: { kind: 'key', keyId: key.keyId, provider: 'openai', label: key.label } } });
    expect(disabled[0]?.payload.message).toContain(`key was disabled by the service: its daily key ${key.keyId} budget was used up; the key is enabled again when the budget resets at 2026-12-08T00:00:00.000Z`);
    expect(disabled[0]?.payload.action).toMatch(/Raise the budget/);
    expect(disabled[0]?.payload.details).toMatchObject({ cause: 'budget_exceeded', budgetId: budget, periodId: '2026-12-07' });

    // Still the same period: nothing to reset.
    expect(await reset(NOON + 6 * 3_600_000)).toEqual([]);
    expect(await enabled(key.keyId)).toBe(false);

    // The next day the budget resets: the key is enabled again, once.
    const nextDay = NOON + DAY_MS;
    const [a, b] = await Promise.all([reset(nextDay), reset(nextDay)]);
    expect([...(a ?? []), ...(b ?? [])]).toEqual([{ keyId: key.keyId, userId: 'kim' }]);
    expect(await enabled(key.keyId)).toBe(true);
    expect(await periodOf(budget)).toBeNull();
    expect((await toggles(key.keyId)).at(-1)).toEqual({ action: 'key.enabled', actor_type: 'system', details: { reason: 'budget_reset', budget_id: budget, period: '2026-12-07' } });
    expect(await reset(nextDay + MINUTE_MS)).toEqual([]);
  });

  it('leaves a key its owner enabled again by hand enabled for the rest of the period, and at the reset', async () => {
    const at = dayOf(1);
    const key = await h.insertKey({ userId: 'lea', provider: 'anthropic' });
    const budget = await exhaustedKeyBudget(key, at);
    await scan(at);
    expect(await enabled(key.keyId)).toBe(false);
    await ownerSets(key, true);
    // More requests through the key in the same period: the budget already acted in it.
    await insertUsage(h.db, { userId: 'lea', keyId: key.keyId, at: at + MINUTE_MS });
    expect((await scan(at + 2 * MINUTE_MS)).disabledKeys).toEqual([]);
    expect(await enabled(key.keyId)).toBe(true);
    expect(await reset(at + DAY_MS)).toEqual([]);
    expect(await enabled(key.keyId)).toBe(true);
    expect(await periodOf(budget)).toBeNull();
    expect((await toggles(key.keyId)).map((t) => [t.action, t.actor_type])).toEqual([
      ['key.disabled', 'system'],
      ['key.enabled', 'user'],
    ]);
  });

  it('leaves a key its owner switched on and off again by hand disabled at the reset', async () => {
    const at = dayOf(2);
    const key = await h.insertKey({ userId: 'max', provider: 'groq' });
    await exhaustedKeyBudget(key, at);
    await scan(at);
    await ownerSets(key, true);
    await ownerSets(key, false);
    expect(await reset(at + DAY_MS)).toEqual([]);
    expect(await enabled(key.keyId)).toBe(false);
  });

  it("does not lift an administrator's disable at the reset", async () => {
    const at = dayOf(3);
    const key = await h.insertKey({ userId: 'nina', provider: 'cohere' });
    await exhaustedKeyBudget(key, at);
    await scan(at);
    await h.runtime.orm.em.fork().transactional((tx) => setUserKeyEnabled(tx, { id: key.keyId }, false, { kind: 'admin', actorId: 'ops', reason: 'abuse' }));
    expect(await reset(at + DAY_MS)).toEqual([]);
    expect(await enabled(key.keyId)).toBe(false);
  });

  it('never touches a key for a block budget, a budget only near its limit, or a budget of somebody else naming the key', async () => {
    const at = dayOf(4);
    const key = await h.insertKey({ userId: 'otto', provider: 'together' });
    await insertBudget(h.db, { ownerId: 'otto', scope: 'key', scopeId: key.keyId, limits: { requests: 1 }, action: 'block' });
    const near = await h.insertKey({ userId: 'otto', provider: 'perplexity' });
    await insertBudget(h.db, { ownerId: 'otto', scope: 'key', scopeId: near.keyId, limits: { requests: 10 }, action: 'disable_key' });
    await insertUsage(h.db, { userId: 'otto', keyId: key.keyId, at: at - MINUTE_MS }, 3);
    await insertUsage(h.db, { userId: 'otto', keyId: near.keyId, at: at - MINUTE_MS }, 9);
    // A budget of somebody else naming otto's key (the API refuses it; the scan does not trust that).
    const foreign = await h.insertKey({ userId: 'otto', provider: 'openai', label: 'foreign' });
    await insertBudget(h.db, { ownerId: 'mallory', scope: 'key', scopeId: foreign.keyId, limits: { requests: 1 }, action: 'disable_key' });
    await insertUsage(h.db, { userId: 'otto', keyId: foreign.keyId, at: at - MINUTE_MS }, 2);
    expect((await scan(at)).disabledKeys).toEqual([]);
    expect(await enabled(key.keyId)).toBe(true);
    expect(await enabled(near.keyId)).toBe(true);
    expect(await enabled(foreign.keyId)).toBe(true);
    expect(await toggles(foreign.keyId)).toEqual([]);
  });

  it('runs in the notifier and announces the disabled key to the proxies', async () => {
    const key = await h.insertKey({ userId: 'pia', provider: 'openai', label: 'announced' });
    await insertBudget(h.db, { ownerId: 'pia', scope: 'key', scopeId: key.keyId, limits: { requests: 1 }, action: 'disable_key' });
    const subscriber = new Redis(h.config.redisUrl);
    const announced: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => announced.push(message));
    await subscriber.subscribe(keyChangeChannel(h.config.redisPrefix));
    try {
      await h.startNotifier();
      await insertUsage(h.db, { userId: 'pia', keyId: key.keyId, at: Date.now() });
      await waitUntil(() => announced.includes('pia'), 45_000, 'the key change announcement');
      expect(await enabled(key.keyId)).toBe(false);
    } finally {
      subscriber.disconnect();
    }
  }, 90_000);
});
