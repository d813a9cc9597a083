import { appendAudit, setUserKeyEnabled } from '@byok/db';
import { type SpendAnomalyOptions, scanSpendAnomalies } from '@byok/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUsage, outboxEvents } from './support/budget-fixtures.js';
import { type NotifierHarness, startNotifierHarness } from './support/notifier-harness.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The scans run at 10:30; the hour they judge is 09:00–10:00 of that day. */
const NINE = Date.parse('2026-12-07T09:00:00Z');

describe('spend anomalies (spend_anomaly)', () => {
  let h: NotifierHarness;
  beforeAll(async () => {
    h = await startNotifierHarness('notify_anomaly');
  });
  afterAll(async () => {
    await h.close();
  });

  const notify: SpendAnomalyOptions = { factor: 5, minMicroUsd: 1_000_000, action: 'notify', adminUserIds: ['ops-admin'] };
  /** One request of `costMicro` at `minute` past 09:00, `daysBefore` days before the judged hour. */
  const spend = (userId: string, costMicro: number, daysBefore = 0, minute = 20) => insertUsage(h.db, { userId, costMicro, at: NINE - daysBefore * DAY_MS + minute * 60_000 });
  const anomalies = async () => (await outboxEvents(h.db, ['spend_anomaly'])).map((e) => [e.user_id, e.payload.details.subjectUserId]);

  it('tells the user and the admins when the hour is over the factor times the median of the same hour and over the minimum, once', async () => {
    // The median of the week's 09:00 hours is 400 µ$: one huge day does not lift it the way a mean would.
    for (const [daysBefore, cost] of [[1, 100], [2, 200], [3, 300], [4, 400], [5, 500], [6, 600], [7, 50_000_000]] as const) await spend('ana', cost, daysBefore);
    await spend('ana', 1_500_000);
    await spend('ana', 1_000_000);
    // Over the minimum but under five times its usual 1 $ at this hour.
    for (let day = 1; day <= 7; day++) await spend('ben', 1_000_000, day);
    await spend('ben', 4_900_000);
    // Far over its usual nothing, but under the minimum.
    await spend('cem', 900_000);
    // Usual spend at 11:00, none at 09:00: only the same hour of day counts.
    for (let day = 1; day <= 7; day++) await spend('dia', 9_000_000, day, 120);
    await spend('dia', 2_000_000);
    // A refused request reached no provider and cost nothing.
    await insertUsage(h.db, { userId: 'eli', costMicro: 9_000_000, at: NINE + 60_000, blockedBudgetId: '00000000-0000-4000-8000-000000000000' });
    // Spend after 10:00 belongs to the next hour.
    await spend('fay', 9_000_000, 0, 61);

    const now = NINE + HOUR_MS + 30 * 60_000;
    const [first, second] = await Promise.all([scanSpendAnomalies(h.runtime.orm, { ...notify, now }), scanSpendAnomalies(h.runtime.orm, { ...notify, now })]);
    expect(first?.hourStart).toBe('2026-12-07T09:00:00.000Z');
    expect((first?.emitted ?? 0) + (second?.emitted ?? 0)).toBe(4);
    expect((await anomalies()).sort()).toEqual([
      ['ana', 'ana'],
      ['dia', 'dia'],
      ['ops-admin', 'ana'],
      ['ops-admin', 'dia'],
    ]);
    const [ana] = (await outboxEvents(h.db, ['spend_anomaly'])).filter((e) => e.user_id === 'ana');
    expect(ana?.payload.subject).toEqual({ kind: 'account' });
    expect(ana?.payload.details).toMatchObject({
      subjectUserId: 'ana',
      hourStart: '2026-12-07T09:00:00.000Z',
      hourEnd: '2026-12-07T10:00:00.000Z',
      spendMicroUsd: 2_500_000,
      medianMicroUsd: 400,
      previousDaysMicroUsd: [100, 200, 300, 400, 500, 600, 50_000_000],
      factor: 5,
      action: 'notify',
      frozenKeys: 0,
    });
    expect(ana?.payload.message).toContain('$2.50 between 09:00 and 10:00 UTC');
    // Scanning the hour again later (a restarted notifier) tells nobody twice.
    expect((await scanSpendAnomalies(h.runtime.orm, { ...notify, now: now + 20 * 60_000 })).emitted).toBe(0);
  });

  it('with freeze, disables the user\'s own keys once; keys the user enables again stay enabled', async () => {
    const hour = NINE + 2 * DAY_MS;
    const now = hour + HOUR_MS + 60_000;
    const work = await h.insertKey({ userId: 'gus', provider: 'openai', label: 'work' });
    const spare = await h.insertKey({ userId: 'gus', provider: 'groq', label: 'spare' });
    const off = await h.insertKey({ userId: 'gus', provider: 'cohere', label: 'off' });
    await h.db.sql('UPDATE user_provider_keys SET enabled = FALSE WHERE id = $1', [off.keyId]);
    const bystander = await h.insertKey({ userId: 'hal', provider: 'openai' });
    await insertUsage(h.db, { userId: 'gus', keyId: work.keyId, costMicro: 3_000_000, at: hour + 5 * 60_000 });
    const freeze: SpendAnomalyOptions = { ...notify, action: 'freeze' };

    const [a, b] = await Promise.all([scanSpendAnomalies(h.runtime.orm, { ...freeze, now }), scanSpendAnomalies(h.runtime.orm, { ...freeze, now })]);
    const frozen = [...(a?.frozenKeys ?? []), ...(b?.frozenKeys ?? [])].map((k) => k.keyId).sort();
    expect(frozen).toEqual([work.keyId, spare.keyId].sort());
    const states = await h.db.sql<{ id: string; enabled: boolean }>('SELECT id, enabled FROM user_provider_keys WHERE id = ANY($1) ORDER BY id', [[work.keyId, spare.keyId, off.keyId, bystander.keyId]]);
    expect(Object.fromEntries(states.map((s) => [s.id, s.enabled]))).toEqual({ [work.keyId]: false, [spare.keyId]: false, [off.keyId]: false, [bystander.keyId]: true });
    const audits = await h.db.sql<{ key_id: string; action: string; actor_type: string; details: Record<string, unknown> }>(
      `SELECT key_id, action, actor_type, details FROM audit_log WHERE subject_user_id = 'gus' ORDER BY id`,
    );
    expect(audits.map((r) => [r.key_id, r.action, r.actor_type, r.details.reason]).sort()).toEqual(
      [
        [work.keyId, 'key.disabled', 'system', 'spend_anomaly'],
        [spare.keyId, 'key.disabled', 'system', 'spend_anomaly'],
      ].sort(),
    );
    const [event] = (await outboxEvents(h.db, ['spend_anomaly'])).filter((e) => e.user_id === 'gus');
    expect(event?.payload.details).toMatchObject({ action: 'freeze', frozenKeys: 2 });
    expect(event?.payload.message).toContain('Your 2 keys were disabled');
    // Each frozen key is announced as disabled by the service, in the freeze's transaction, with why and what to do.
    const disabled = (await outboxEvents(h.db, ['key_auto_disabled'])).filter((e) => e.user_id === 'gus');
    expect(disabled.map((e) => e.payload.subject).sort((x, y) => String(x.keyId).localeCompare(String(y.keyId)))).toEqual(
      [
        { kind: 'key', keyId: work.keyId, provider: 'openai', label: 'work' },
        { kind: 'key', keyId: spare.keyId, provider: 'groq', label: 'spare' },
      ].sort((x, y) => x.keyId.localeCompare(y.keyId)),
    );
    for (const e of disabled) {
      expect(e.payload.message).toMatch(/key was disabled by the service: your requests between \d\d:00 and \d\d:00 UTC cost far more than usual/);
      expect(e.payload.action).toMatch(/leaked gateway token/);
      expect(e.payload.details).toMatchObject({ cause: 'spend_anomaly', hourStart: new Date(hour).toISOString() });
    }

    // The user enables a key again: a later scan of the same hour does not freeze it again.
    await h.runtime.orm.em.fork().transactional(async (tx) => {
      await setUserKeyEnabled(tx, { id: work.keyId }, true);
      await appendAudit(tx, { actorId: 'gus', actorType: 'user', action: 'key.enabled', subjectUserId: 'gus', provider: 'openai', keyId: work.keyId });
    });
    const again = await scanSpendAnomalies(h.runtime.orm, { ...freeze, now: now + 10 * 60_000 });
    expect(again.frozenKeys).toEqual([]);
    const [row] = await h.db.sql<{ enabled: boolean }>('SELECT enabled FROM user_provider_keys WHERE id = $1', [work.keyId]);
    expect(row?.enabled).toBe(true);
  });

  it('keeps dedupe keys short enough for the longest user ids', async () => {
    const hour = NINE + 4 * DAY_MS;
    const longId = 'u'.repeat(255);
    await insertUsage(h.db, { userId: longId, costMicro: 2_000_000, at: hour + 60_000 });
    const result = await scanSpendAnomalies(h.runtime.orm, { ...notify, adminUserIds: ['a'.repeat(255)], now: hour + HOUR_MS });
    expect(result.emitted).toBe(2);
  });
});
