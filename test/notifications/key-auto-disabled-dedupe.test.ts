import { emitNotifications, keyAutoDisabledDraft } from '@byok/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotifierHarness, startNotifierHarness } from './support/notifier-harness.js';

let h: NotifierHarness;
beforeAll(async () => {
  h = await startNotifierHarness('notify_auto_disabled_dedupe');
});
afterAll(async () => {
  await h.close();
});

describe('key_auto_disabled dedupe', () => {
  it("is per cause: an admin's disable after a budget's within the hour still tells the owner; the same cause again does not", async () => {
    const key = await h.insertKey({ userId: 'dedupe-owner' });
    const emit = (cause: Parameters<typeof keyAutoDisabledDraft>[1]) => h.runtime.orm.em.fork().transactional((tx) => emitNotifications(tx, [keyAutoDisabledDraft(key, cause)]));
    const budget = await emit({ kind: 'budget_exceeded', budgetId: 'b1', budgetName: 'Daily key budget', periodId: 'p1', resetsAt: '2030-01-01T00:00:00Z' });
    const admin = await emit({ kind: 'admin', reason: 'leaked' });
    const adminAgain = await emit({ kind: 'admin', reason: 'leaked' });
    expect([budget[0]?.emitted, admin[0]?.emitted, adminAgain[0]?.emitted]).toEqual([true, true, false]);
  });
});
