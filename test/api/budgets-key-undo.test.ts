import { scanBudgetAlerts } from '@byok/notifications';
import { keyChangeChannel } from '@byok/queues';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../proxy/support/proxy-harness.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { BUDGETS_URL, recordUsage, saveKey } from './support/budget-fixtures.js';

/**
 * A key a `disable_key` budget disabled does not stay off because its budget went away or changed:
 * the notifier's reset would never come for a deleted budget, and new limits may leave room.
 */
describe('budgets API: the key a disable_key budget disabled', () => {
  let h: ApiHarness;
  let subscriber: Redis;
  const announced: string[] = [];

  beforeAll(async () => {
    h = await startApiHarness('budgets_key_undo');
    subscriber = new Redis(h.config.redisUrl);
    subscriber.on('message', (_channel, message: string) => announced.push(message));
    await subscriber.subscribe(keyChangeChannel(h.redisPrefix));
  });
  afterAll(async () => {
    subscriber?.disconnect();
    await h?.close();
  });

  const enabled = async (keyId: string) => (await h.db.sql<{ enabled: boolean }>('SELECT enabled FROM user_provider_keys WHERE id = $1', [keyId]))[0]?.enabled;
  const lastToggle = async (keyId: string) =>
    (
      await h.db.sql<{ action: string; actor_type: string; details: Record<string, unknown> }>(
        `SELECT action, actor_type, details FROM audit_log WHERE key_id = $1 AND action IN ('key.enabled', 'key.disabled') ORDER BY id DESC LIMIT 1`,
        [keyId],
      )
    )[0];

  /** A user's key with a used-up daily `disable_key` budget, disabled by the notifier's scan. */
  async function disabledByBudget(user: string) {
    const headers = { authorization: `Bearer ${await h.token(user)}` };
    const keyId = await saveKey(h, headers, 'openai', `${user}-undo`);
    const created = await h.app.inject({ method: 'POST', url: BUDGETS_URL, headers, payload: { scope: 'key', scope_id: keyId, period: 'day', limits: { requests: 1 }, action: 'disable_key' } });
    expect(created.statusCode, created.body).toBe(201);
    await recordUsage(h, { userId: user, provider: 'openai', keyId, tokens: 10, costMicro: 10 });
    const scanned = await scanBudgetAlerts(h.runtime.orm, { since: Date.now() - 60_000 });
    expect(scanned.disabledKeys).toEqual([{ keyId, userId: user }]);
    expect(await enabled(keyId)).toBe(false);
    announced.length = 0;
    return { headers, keyId, budgetId: created.json<{ id: string }>().id };
  }

  it('deleting the budget enables the key again, audited as the system, and announces its owner', async () => {
    const { headers, keyId, budgetId } = await disabledByBudget('una');
    const res = await h.app.inject({ method: 'DELETE', url: `${BUDGETS_URL}/${budgetId}`, headers });
    expect(res.statusCode, res.body).toBe(204);
    expect(await enabled(keyId)).toBe(true);
    expect(await lastToggle(keyId)).toMatchObject({ action: 'key.enabled', actor_type: 'system', details: { reason: 'budget_deleted', budget_id: budgetId } });
    await waitFor(async () => announced.includes('una'), 5_000, 'the key change announced with the owner id');
  });

  it('new limits enable the key again; a change of thresholds alone does not', async () => {
    const { headers, keyId, budgetId } = await disabledByBudget('vic');
    const patch = (payload: object) => h.app.inject({ method: 'PATCH', url: `${BUDGETS_URL}/${budgetId}`, headers, payload });
    expect((await patch({ thresholds: [50] })).statusCode).toBe(200);
    expect(await enabled(keyId)).toBe(false);
    expect((await patch({ limits: { requests: 100 } })).statusCode).toBe(200);
    expect(await enabled(keyId)).toBe(true);
    expect(await lastToggle(keyId)).toMatchObject({ action: 'key.enabled', details: { reason: 'budget_changed', budget_id: budgetId } });
    // Once: the budget's mark is cleared, so a later change does not toggle the key again.
    expect((await h.db.sql<{ p: string | null }>('SELECT disabled_key_period AS p FROM budgets WHERE id = $1', [budgetId]))[0]?.p).toBeNull();
  });

  it('leaves a key its owner disabled by hand after the budget did as the owner set it', async () => {
    const { headers, keyId, budgetId } = await disabledByBudget('wes');
    // The owner turns it on and off again: the last toggle is theirs now.
    for (const _ of [1, 2]) expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/openai/toggle', headers })).statusCode).toBe(200);
    expect(await enabled(keyId)).toBe(false);
    expect((await h.app.inject({ method: 'DELETE', url: `${BUDGETS_URL}/${budgetId}`, headers })).statusCode).toBe(204);
    expect(await enabled(keyId)).toBe(false);
  });
});
