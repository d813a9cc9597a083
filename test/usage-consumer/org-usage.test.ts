import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startConsumerHarness, type ConsumerHarness } from './support/consumer-harness.js';
import { expectedDaily, makeEvent, readDaily } from './support/usage-fixtures.js';

const ORG = randomUUID();
const OTHER_ORG = randomUUID();

interface OrgDailyRow {
  org_id: string;
  day: string;
  user_id: string;
  provider: string;
  model: string;
  org_key: boolean;
  calls: number;
  errors: number;
  prompt_tokens: number;
  cost_micro: number;
  credits_micro: number;
}

describe('usage consumer: organization rollup (#17)', () => {
  let h: ConsumerHarness;
  const readOrgDaily = () =>
    h.db.sql<OrgDailyRow>(
      `SELECT org_id::text, day::text, user_id, provider, model, org_key, calls::int, errors::int, prompt_tokens::int, cost_micro::int, credits_micro::int
         FROM usage_org_daily ORDER BY org_id, day, user_id, provider, model, org_key`,
    );

  beforeAll(async () => {
    h = await startConsumerHarness('usage_org');
    await h.startConsumer();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.db.sql('TRUNCATE usage_events, usage_daily, usage_platform_daily, usage_org_daily, credit_accounts, credit_ledger');
  });

  it('stores the org on the event and adds org traffic to usage_org_daily exactly once under redelivery', { timeout: 60_000 }, async () => {
    const events = [
      makeEvent({ requestId: 'o1', userId: 'member-a', credentialSource: 'user_provider', creditsMicro: 0, orgId: ORG, orgKey: true }),
      makeEvent({ requestId: 'o2', userId: 'member-a', credentialSource: 'user_provider', creditsMicro: 0, orgId: ORG, orgKey: true, statusCode: 429 }),
      makeEvent({ requestId: 'o3', userId: 'member-a', credentialSource: 'system', creditsMicro: 40, orgId: ORG, orgKey: false }),
      // An upper-case spelling of the same org adds to the same row (Postgres stores uuids in one case).
      makeEvent({ requestId: 'o4', userId: 'member-b', credentialSource: 'user_provider', creditsMicro: 0, orgId: ORG.toUpperCase(), orgKey: true }),
      makeEvent({ requestId: 'o5', userId: 'member-b', credentialSource: 'user_provider', creditsMicro: 0, orgId: ORG, orgKey: true }),
      makeEvent({ requestId: 'x1', userId: 'member-a', credentialSource: 'user_provider', creditsMicro: 0, orgId: OTHER_ORG }),
      makeEvent({ requestId: 'p1', userId: 'member-a', creditsMicro: 10 }),
      // orgKey without an org is meaningless; the event still counts for the user alone.
      makeEvent({ requestId: 'p2', userId: 'member-a', creditsMicro: 10, orgKey: true }),
    ];
    await h.enqueue(events);
    await h.waitUntilDrained(30_000);
    const once = { org: await readOrgDaily(), daily: await readDaily(h.db) };
    const base = { day: '2026-11-27', provider: 'openai', model: 'gpt-4o-mini', prompt_tokens: 0, cost_micro: 0 };
    expect(once.org).toEqual(
      [
        { ...base, org_id: ORG, user_id: 'member-a', org_key: false, calls: 1, errors: 0, prompt_tokens: 10, cost_micro: 100, credits_micro: 40 },
        { ...base, org_id: ORG, user_id: 'member-a', org_key: true, calls: 2, errors: 1, prompt_tokens: 20, cost_micro: 200, credits_micro: 0 },
        { ...base, org_id: ORG, user_id: 'member-b', org_key: true, calls: 2, errors: 0, prompt_tokens: 20, cost_micro: 200, credits_micro: 0 },
        { ...base, org_id: OTHER_ORG, user_id: 'member-a', org_key: false, calls: 1, errors: 0, prompt_tokens: 10, cost_micro: 100, credits_micro: 0 },
      ].sort((a, b) => `${a.org_id}${a.user_id}${a.org_key}`.localeCompare(`${b.org_id}${b.user_id}${b.org_key}`)),
    );
    // The member's own usage_daily rows count every request as before: the rollup is the org's view, not a second record.
    expect(once.daily).toEqual(expectedDaily(events));
    const stored = await h.db.sql<{ request_id: string; org_id: string | null }>('SELECT request_id, org_id::text FROM usage_events ORDER BY request_id');
    expect(stored).toEqual([
      { request_id: 'o1', org_id: ORG },
      { request_id: 'o2', org_id: ORG },
      { request_id: 'o3', org_id: ORG },
      { request_id: 'o4', org_id: ORG },
      { request_id: 'o5', org_id: ORG },
      { request_id: 'p1', org_id: null },
      { request_id: 'p2', org_id: null },
      { request_id: 'x1', org_id: OTHER_ORG },
    ]);

    // Redelivered twice, interleaved: nothing changes.
    await h.enqueue(events.flatMap((event) => [event, event]));
    await h.waitUntilDrained(30_000);
    expect({ org: await readOrgDaily(), daily: await readDaily(h.db) }).toEqual(once);
    expect((await h.jobCounts()).failed).toBe(0);
  });

  it('refuses an event whose org id is not a uuid, naming the field', { timeout: 30_000 }, async () => {
    const [id] = await h.enqueueRaw([{ ...makeEvent({ requestId: 'bad-org' }), orgId: "1' OR '1'='1" }]);
    await h.waitUntilDrained(10_000);
    const job = await h.queue.getJob(String(id));
    expect(await job?.getState()).toBe('failed');
    expect(job?.failedReason).toContain('orgId');
    expect(await readOrgDaily()).toEqual([]);
  });
});
