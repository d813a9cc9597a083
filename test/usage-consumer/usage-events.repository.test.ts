import { applyUsageEvents, pruneUsageEvents } from '@byok/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { expectedDaily, makeEvent, makeEvents, readCredits, readDaily } from './support/usage-fixtures.js';

describe('applyUsageEvents', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('usage_repo');
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    await db.sql('TRUNCATE usage_events, usage_daily, usage_platform_daily, usage_key_daily, credit_accounts, credit_ledger');
  });
  const apply = (events: Parameters<typeof applyUsageEvents>[1]) => applyUsageEvents(db.orm.em.fork(), events);

  it('aggregates by user, UTC day, provider, model and source, counting errors and the latest use', async () => {
    const events = [
      makeEvent({ requestId: 'a', occurredAt: '2026-11-27T23:30:00-02:00' }), // 2026-11-28 in UTC
      makeEvent({ requestId: 'b', occurredAt: '2026-11-28T05:00:00Z', statusCode: 429, promptTokens: 5, completionTokens: 0 }),
      makeEvent({ requestId: 'c', occurredAt: '2026-11-27T10:00:00Z' }),
      makeEvent({ requestId: 'd', occurredAt: '2026-11-28T01:00:00Z', credentialSource: 'user_provider', creditsMicro: 0 }),
    ];
    expect(await apply(events)).toMatchObject({ inserted: 4, duplicates: 0, chargedMicro: 360 });
    expect(await readDaily(db)).toEqual(expectedDaily(events));
    const [day28] = (await readDaily(db)).filter((r) => r.day === '2026-11-28' && r.credential_source === 'system');
    expect(day28).toMatchObject({ calls: 2, errors: 1, prompt_tokens: 15, completion_tokens: 20, credits_micro: 240, last_used_at: '2026-11-28T05:00:00.000Z' });
  });

  it("stores the refusing budget of a request a budget blocked (usage_events.blocked_budget_id), and none on the others", async () => {
    const budgetId = '6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f';
    await apply([makeEvent({ requestId: 'blocked', statusCode: 429, promptTokens: 0, completionTokens: 0, creditsMicro: 0, blockedBudgetId: budgetId }), makeEvent({ requestId: 'served' })]);
    const rows = await db.sql<{ request_id: string; blocked_budget_id: string | null }>('SELECT request_id, blocked_budget_id FROM usage_events ORDER BY request_id');
    expect(rows).toEqual([
      { request_id: 'blocked', blocked_budget_id: budgetId },
      { request_id: 'served', blocked_budget_id: null },
    ]);
  });

  it('adds the requests each key answered to usage_key_daily (per key, UTC day and model), once', async () => {
    const [work, home] = ['0f5b4c3a-1d2e-4f60-8a9b-0c1d2e3f4a5b', '1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d'];
    const byok = { credentialSource: 'user_provider' as const, creditsMicro: 0 };
    const events = [
      makeEvent({ requestId: 'w1', keyId: work, ...byok, occurredAt: '2026-11-27T23:30:00-02:00' }),
      makeEvent({ requestId: 'w2', keyId: work, ...byok, statusCode: 429, promptTokens: 5, completionTokens: 0, occurredAt: '2026-11-28T05:00:00Z' }),
      makeEvent({ requestId: 'h1', keyId: home, ...byok, model: 'gpt-4o', occurredAt: '2026-11-28T06:00:00Z' }),
      // A platform-key request has no key of the user's.
      makeEvent({ requestId: 's1', occurredAt: '2026-11-28T07:00:00Z' }),
    ];
    await apply(events);
    await apply(events);
    const rows = await db.sql<{ key_id: string; day: string; model: string; calls: number; errors: number; prompt_tokens: number; last_used_at: string }>(
      "SELECT key_id::text, to_char(day, 'YYYY-MM-DD') AS day, model, calls::int, errors::int, prompt_tokens::int, to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') AS last_used_at FROM usage_key_daily ORDER BY key_id, day, model",
    );
    expect(rows).toEqual([
      { key_id: work, day: '2026-11-28', model: 'gpt-4o-mini', calls: 2, errors: 1, prompt_tokens: 15, last_used_at: '2026-11-28T05:00:00' },
      { key_id: home, day: '2026-11-28', model: 'gpt-4o', calls: 1, errors: 0, prompt_tokens: 10, last_used_at: '2026-11-28T06:00:00' },
    ]);
  });

  it('counts a replayed batch, and a request id repeated inside one batch, only once', async () => {
    const events = makeEvents(300, 'replay');
    const first = await apply(events);
    expect(first).toMatchObject({ inserted: 300, duplicates: 0 });
    const once = { daily: await readDaily(db), credits: await readCredits(db) };
    const again = await apply([...events.slice(0, 150), ...events.slice(0, 150), ...events.slice(150)]);
    expect(again).toMatchObject({ inserted: 0, duplicates: 450, chargedMicro: 0 });
    expect(again.insertedRequestIds.size).toBe(0);
    expect({ daily: await readDaily(db), credits: await readCredits(db) }).toEqual(once);
    const repeated = await apply([makeEvent({ requestId: 'x', creditsMicro: 5 }), makeEvent({ requestId: 'x', creditsMicro: 7 })]);
    expect(repeated).toMatchObject({ inserted: 1, duplicates: 1, chargedMicro: 5 });
  });

  it('debits system events exactly, never BYOK ones, and may go below zero', async () => {
    await db.sql("INSERT INTO credit_accounts (user_id, balance_micro) VALUES ('user-a', 100)");
    const result = await apply([
      makeEvent({ requestId: 's1', creditsMicro: 70 }),
      makeEvent({ requestId: 's2', creditsMicro: 50 }),
      makeEvent({ requestId: 's0', creditsMicro: 0 }),
      makeEvent({ requestId: 'b1', credentialSource: 'user_openrouter', creditsMicro: 999 }),
      makeEvent({ requestId: 'b2', credentialSource: 'user_provider', creditsMicro: 999 }),
    ]);
    expect(result).toMatchObject({ inserted: 5, chargedMicro: 120 });
    expect(await readCredits(db)).toEqual(new Map([['user-a', { balance: -20, debited: 120, charges: 2 }]]));
    const ledger = await db.sql<{ request_id: string; amount_micro: string; balance_after_micro: string }>(
      'SELECT request_id, amount_micro, balance_after_micro FROM credit_ledger ORDER BY id',
    );
    expect(ledger).toEqual([
      { request_id: 's1', amount_micro: '-70', balance_after_micro: '30' },
      { request_id: 's2', amount_micro: '-50', balance_after_micro: '-20' },
    ]);
    // BYOK rows are stored as charging nothing, so raw events, aggregates and ledger agree.
    const raw = await db.sql<{ credits: string }>("SELECT sum(credits_micro) AS credits FROM usage_events WHERE credential_source <> 'system'");
    expect(raw[0]?.credits).toBe('0');
  });

  it('never charges a request id the ledger already holds', async () => {
    await db.sql("INSERT INTO credit_ledger (user_id, kind, amount_micro, balance_after_micro, request_id) VALUES ('user-a', 'charge', -40, -40, 'pre')");
    expect(await apply([makeEvent({ requestId: 'pre', creditsMicro: 40 }), makeEvent({ requestId: 'new', creditsMicro: 10 })])).toMatchObject({ inserted: 2, chargedMicro: 10 });
    expect(await db.sql('SELECT count(*)::int AS n FROM credit_ledger')).toEqual([{ n: 2 }]);
  });

  it('leaves nothing behind when the batch fails', async () => {
    const bad = makeEvent({ requestId: 'bad', promptTokens: 2 ** 31 }); // over the INTEGER column
    await expect(apply([makeEvent({ requestId: 'ok' }), bad])).rejects.toThrow();
    expect(await db.sql('SELECT (SELECT count(*) FROM usage_events)::int AS e, (SELECT count(*) FROM usage_daily)::int AS d, (SELECT count(*) FROM credit_ledger)::int AS l')).toEqual([
      { e: 0, d: 0, l: 0 },
    ]);
  });

  it('prunes raw events older than the cut-off in batches and keeps the aggregates', async () => {
    const events = makeEvents(250, 'prune');
    await apply(events);
    const before = await readDaily(db);
    const deleted = await pruneUsageEvents(db.orm.em.fork(), new Date('2026-11-27T00:00:00Z'), 40);
    expect(deleted).toBe(events.filter((e) => e.occurredAt < '2026-11-27').length);
    expect(await db.sql("SELECT count(*)::int AS n FROM usage_events WHERE occurred_at < '2026-11-27'")).toEqual([{ n: 0 }]);
    expect(await db.sql('SELECT count(*)::int AS n FROM usage_events')).toEqual([{ n: 250 - deleted }]);
    expect(await readDaily(db)).toEqual(before);
    expect(await pruneUsageEvents(db.orm.em.fork(), new Date('2026-11-27T00:00:00Z'), 40)).toBe(0);
  });
});
