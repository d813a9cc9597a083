import type { Budget } from '@byok/budgets';
import { describe, expect, it } from 'vitest';
import { createBudgetCache } from './budget-cache.js';

const budget = (ownerId: string, id: string): Budget => ({ id, ownerId, scope: 'user', scopeId: null, period: 'day', timeZone: 'UTC', limits: { requests: 1 }, thresholds: [], action: 'block' });

function setup() {
  let clock = 0;
  let failing = false;
  const loads: string[][] = [];
  let onMessage: (ownerId: string) => void = () => undefined;
  let onReconnect: () => void = () => undefined;
  const stale: unknown[] = [];
  const cache = createBudgetCache({
    load: async (ids) => {
      loads.push([...ids]);
      if (failing) throw new Error('postgres away');
      return ids.map((id) => budget(id, `b-${id}-${loads.length}`));
    },
    subscribe: async (message, reconnect) => {
      onMessage = message;
      onReconnect = reconnect;
      return async () => undefined;
    },
    ttlMs: 60_000,
    maxOwners: 10,
    staleMaxMs: 600_000,
    onStale: (err) => stale.push(err),
    now: () => clock,
  });
  return {
    cache,
    loads,
    stale,
    tick: (ms: number) => {
      clock += ms;
    },
    fail: (on: boolean) => {
      failing = on;
    },
    message: (id: string) => onMessage(id),
    reconnect: () => onReconnect(),
  };
}

describe('budget cache', () => {
  it("loads an owner once, and both owners for a request made for an org", async () => {
    const t = setup();
    await t.cache.start();
    await t.cache.forCaller({ userId: 'u1' });
    await t.cache.forCaller({ userId: 'u1' });
    const both = await t.cache.forCaller({ userId: 'u1', orgId: 'o1' });
    expect(t.loads).toEqual([['u1'], ['org:o1']]);
    expect(both.map((b) => b.ownerId)).toEqual(['u1', 'org:o1']);
  });

  it('reloads an owner announced on the budget-change channel, and everyone after a reconnect', async () => {
    const t = setup();
    await t.cache.start();
    await t.cache.forCaller({ userId: 'u1' });
    await t.cache.forCaller({ userId: 'u2' });
    t.message('u1');
    await t.cache.forCaller({ userId: 'u1' });
    await t.cache.forCaller({ userId: 'u2' });
    expect(t.loads).toEqual([['u1'], ['u2'], ['u1']]);
    t.reconnect();
    await t.cache.forCaller({ userId: 'u2' });
    expect(t.loads.at(-1)).toEqual(['u2']);
  });

  it('serves the last known budgets while Postgres is away, up to the stale limit, then fails', async () => {
    const t = setup();
    await t.cache.start();
    const first = await t.cache.forCaller({ userId: 'u1' });
    t.fail(true);
    t.tick(61_000);
    expect(await t.cache.forCaller({ userId: 'u1' })).toEqual(first);
    expect(t.stale).toHaveLength(1);
    t.tick(600_000);
    await expect(t.cache.forCaller({ userId: 'u1' })).rejects.toThrow('postgres away');
    // An owner never read has nothing to fall back on.
    await expect(t.cache.forCaller({ userId: 'u9' })).rejects.toThrow('postgres away');
  });
});
