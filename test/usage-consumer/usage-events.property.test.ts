import { applyUsageEvents } from '@byok/db';
import type { UsageEvent } from '@byok/queues';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { expectedDaily, readDaily, type DailyRow } from './support/usage-fixtures.js';

/** Events from a small domain, so keys collide and request ids repeat (with the same or other content). */
const eventArb: fc.Arbitrary<UsageEvent> = fc.record({
  requestId: fc.integer({ min: 0, max: 40 }).map((n) => `req-${n}`),
  userId: fc.constantFrom('u1', 'u2', 'u3'),
  provider: fc.constantFrom('openai', 'anthropic'),
  model: fc.constantFrom('m-small', 'm-large'),
  credentialSource: fc.constantFrom('system', 'user_provider', 'user_openrouter'),
  statusCode: fc.constantFrom(200, 200, 201, 400, 429, 500, 502),
  stream: fc.boolean(),
  promptTokens: fc.integer({ min: 0, max: 100_000 }),
  completionTokens: fc.integer({ min: 0, max: 100_000 }),
  costMicro: fc.integer({ min: 0, max: 5_000_000 }),
  creditsMicro: fc.integer({ min: 0, max: 5_000_000 }),
  latencyMs: fc.integer({ min: 0, max: 60_000 }),
  // Three UTC days, with offsets so local and UTC dates differ.
  occurredAt: fc
    .tuple(fc.integer({ min: 0, max: 3 * 24 * 3600 - 1 }), fc.constantFrom('Z', '+05:30', '-08:00'))
    .map(([seconds, offset]) => isoWithOffset(Date.UTC(2026, 10, 25) + seconds * 1000, offset)),
});

/** The same instant written with a UTC offset, as a producer in another zone would. */
function isoWithOffset(ms: number, offset: 'Z' | '+05:30' | '-08:00'): string {
  if (offset === 'Z') return new Date(ms).toISOString();
  const shiftMinutes = offset === '+05:30' ? 330 : -480;
  return `${new Date(ms + shiftMinutes * 60_000).toISOString().slice(0, 19)}${offset}`;
}

/** An event list plus the cut points that split it into consecutive batches. */
const batchedArb = fc.array(eventArb, { minLength: 1, maxLength: 60 }).chain((events) =>
  fc.tuple(fc.constant(events), fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, events.length - 1) }), { maxLength: 6 })),
);

function split<T>(items: T[], cuts: number[]): T[][] {
  const points = [0, ...[...cuts].sort((a, b) => a - b), items.length];
  return points.slice(1).map((end, i) => items.slice(points[i], end)).filter((batch) => batch.length > 0);
}

describe('usage aggregation properties', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('usage_prop');
  });
  afterAll(async () => {
    await db.drop();
  });
  const reset = () => db.sql('TRUNCATE usage_events, usage_daily, usage_platform_daily, credit_accounts, credit_ledger');

  /** usage_daily recomputed from the stored raw events, which hold exactly one row per request id. */
  async function dailyFromRawEvents(): Promise<DailyRow[]> {
    const rows = await db.sql<UsageEvent & { occurredAt: Date }>(
      `SELECT request_id AS "requestId", user_id AS "userId", provider, model, credential_source AS "credentialSource", status_code AS "statusCode",
              prompt_tokens AS "promptTokens", completion_tokens AS "completionTokens", cost_micro::float8 AS "costMicro",
              credits_micro::float8 AS "creditsMicro", occurred_at AS "occurredAt" FROM usage_events`,
    );
    return expectedDaily(rows.map((r) => ({ ...r, occurredAt: r.occurredAt.toISOString() })));
  }

  /** Rows where the platform rollup differs from usage_daily summed over users and models (none expected). */
  async function rollupMismatches(): Promise<unknown[]> {
    return db.sql(
      `WITH d AS (SELECT day, provider, credential_source, sum(calls) AS calls, sum(errors) AS errors, sum(prompt_tokens) AS prompt_tokens,
                         sum(completion_tokens) AS completion_tokens, sum(cost_micro) AS cost_micro, sum(credits_micro) AS credits_micro,
                         max(last_used_at) AS last_used_at
                  FROM usage_daily GROUP BY 1, 2, 3),
            p AS (SELECT day, provider, credential_source, calls, errors, prompt_tokens, completion_tokens, cost_micro, credits_micro, last_used_at FROM usage_platform_daily)
       (SELECT * FROM d EXCEPT SELECT * FROM p) UNION ALL (SELECT * FROM p EXCEPT SELECT * FROM d)`,
    );
  }

  async function ledgerState() {
    return db.sql<{ charges: number; debited: number; balances: number; distinct_ids: number; raw_system_credits: number }>(
      `SELECT (SELECT count(*) FROM credit_ledger)::int AS charges,
              (SELECT count(DISTINCT request_id) FROM credit_ledger)::int AS distinct_ids,
              coalesce((SELECT -sum(amount_micro) FROM credit_ledger), 0)::float8 AS debited,
              coalesce((SELECT -sum(balance_micro) FROM credit_accounts), 0)::float8 AS balances,
              coalesce((SELECT sum(credits_micro) FROM usage_events WHERE credential_source = 'system'), 0)::float8 AS raw_system_credits`,
    );
  }

  it('in sequence, any batching of any events (duplicates included) gives the sums of the distinct events, first occurrence winning', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(batchedArb, fc.boolean(), async ([events, cuts], replay) => {
        await reset();
        for (const batch of split(events, cuts)) await applyUsageEvents(db.orm.em.fork(), batch);
        if (replay) await applyUsageEvents(db.orm.em.fork(), events);
        expect(await readDaily(db)).toEqual(expectedDaily(events));
        expect(await rollupMismatches()).toEqual([]);
        const seen = new Set<string>();
        let systemCredits = 0;
        for (const e of events) {
          if (!seen.has(e.requestId) && e.credentialSource === 'system') systemCredits += e.creditsMicro;
          seen.add(e.requestId);
        }
        const [ledger] = await ledgerState();
        expect(ledger).toMatchObject({ debited: systemCredits, balances: systemCredits, charges: ledger?.distinct_ids });
      }),
      { numRuns: 60 },
    );
  });

  it('concurrently, the aggregates and the ledger always equal the sums over the stored raw events', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(batchedArb, async ([events, cuts]) => {
        await reset();
        // Every batch in its own transaction at the same time, some of them twice (a redelivery racing the original).
        const batches = split(events, cuts);
        await Promise.all([...batches, ...batches.filter((_, i) => i % 2 === 0)].map((batch) => applyUsageEvents(db.orm.em.fork(), batch)));
        expect(await readDaily(db)).toEqual(await dailyFromRawEvents());
        expect(await rollupMismatches()).toEqual([]);
        const [ledger] = await ledgerState();
        expect(ledger?.debited).toBe(ledger?.raw_system_credits);
        expect(ledger?.balances).toBe(ledger?.raw_system_credits);
        expect(ledger?.charges).toBe(ledger?.distinct_ids);
        const ids = await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM usage_events');
        expect(ids[0]?.n).toBe(new Set(events.map((e) => e.requestId)).size);
      }),
      { numRuns: 60 },
    );
  });
});
