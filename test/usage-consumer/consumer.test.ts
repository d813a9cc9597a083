import { createLogger, type UsageRecord } from '@byok/telemetry';
import { createUsageBatchWriter } from '@byok/usage-consumer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startConsumerHarness, type ConsumerHarness } from './support/consumer-harness.js';
import { expectedDaily, expectedDebits, makeEvent, makeEvents, readCredits, readDaily } from './support/usage-fixtures.js';

describe('usage consumer', () => {
  let h: ConsumerHarness;
  beforeAll(async () => {
    h = await startConsumerHarness('usage_consumer');
    await h.startConsumer();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await h.db.sql('TRUNCATE usage_events, usage_daily, usage_platform_daily, credit_accounts, credit_ledger');
  });

  it('gives the same aggregates and debits after 10,000 events are replayed three times as after one pass', { timeout: 300_000 }, async () => {
    const events = makeEvents(10_000, 'replay');
    await h.enqueue(events);
    await h.waitUntilDrained(140_000);
    const once = { daily: await readDaily(h.db), credits: await readCredits(h.db) };
    expect(once.daily).toEqual(expectedDaily(events));
    const debits = expectedDebits(events);
    for (const [user, debited] of debits) expect(once.credits.get(user)).toMatchObject({ balance: -debited, debited });

    // Two more passes, interleaved, as redeliveries after a lost acknowledgement would arrive.
    await h.enqueue(events.flatMap((event) => [event, event]));
    await h.waitUntilDrained(140_000);
    expect({ daily: await readDaily(h.db), credits: await readCredits(h.db) }).toEqual(once);
    expect(await h.db.sql('SELECT count(*)::int AS n FROM usage_events')).toEqual([{ n: 10_000 }]);
    const charges = events.filter((e) => e.credentialSource === 'system' && e.creditsMicro > 0).length;
    expect(await h.db.sql("SELECT count(*)::int AS n FROM credit_ledger WHERE kind = 'charge'")).toEqual([{ n: charges }]);
    expect((await h.jobCounts()).failed).toBe(0);
  });

  it('completes a job with how many of its events were new, only once they are in Postgres', async () => {
    const [first] = await h.enqueue([makeEvent({ requestId: 'once' }), makeEvent({ requestId: 'twice' })]);
    await h.waitUntilDrained(10_000);
    const [second] = await h.enqueue([makeEvent({ requestId: 'twice' }), makeEvent({ requestId: 'new' })]);
    await h.waitUntilDrained(10_000);
    expect((await h.queue.getJob(String(first)))?.returnvalue).toEqual({ stored: 2, duplicates: 0 });
    expect((await h.queue.getJob(String(second)))?.returnvalue).toEqual({ stored: 1, duplicates: 1 });
    expect(await h.db.sql('SELECT count(*)::int AS n FROM usage_events')).toEqual([{ n: 3 }]);
  });

  it('still reads the single-event jobs of a proxy from before batching', async () => {
    const [id] = await h.enqueueRaw([makeEvent({ requestId: 'legacy' })]);
    await h.waitUntilDrained(10_000);
    expect((await h.queue.getJob(String(id)))?.returnvalue).toEqual({ stored: 1, duplicates: 0 });
    expect(await readDaily(h.db)).toEqual(expectedDaily([makeEvent({ requestId: 'legacy' })]));
  });

  it('debits system events exactly their credits and never BYOK events', async () => {
    await h.db.sql("INSERT INTO credit_accounts (user_id, balance_micro) VALUES ('payer', 1000), ('byok', 1000)");
    await h.enqueue([
      makeEvent({ requestId: 'p1', userId: 'payer', creditsMicro: 300 }),
      makeEvent({ requestId: 'p2', userId: 'payer', creditsMicro: 900, statusCode: 500 }),
      makeEvent({ requestId: 'b1', userId: 'byok', credentialSource: 'user_openrouter', creditsMicro: 0, costMicro: 5000 }),
      makeEvent({ requestId: 'b2', userId: 'byok', credentialSource: 'user_provider', creditsMicro: 0, costMicro: 7000 }),
    ]);
    await h.waitUntilDrained(10_000);
    const credits = await readCredits(h.db);
    expect(credits.get('payer')).toEqual({ balance: -200, debited: 1200, charges: 2 });
    expect(credits.get('byok')).toEqual({ balance: 1000, debited: 0, charges: 0 });
    const byok = (await readDaily(h.db)).filter((r) => r.user_id === 'byok');
    expect(byok.map((r) => [r.credential_source, r.cost_micro, r.credits_micro])).toEqual([
      ['user_openrouter', 5000, 0],
      ['user_provider', 7000, 0],
    ]);
  });

  it('refuses malformed events without retry, stores the rest of their jobs, and keeps the refused jobs visible', async () => {
    const good = makeEvents(60, 'mixed');
    const bad: unknown[] = [
      { ...makeEvent({ requestId: 'bad-schema' }), provider: 'acme' },
      { ...makeEvent({ requestId: 'bad-extra' }), prompt: 'do not store me' },
      makeEvent({ requestId: 'bad-date', occurredAt: '1970-01-01T00:00:00Z' }),
      'not even an object',
    ];
    // Jobs of 20: the four bad events are in the second job, among 16 good ones.
    const ids = await h.enqueue([...good.slice(0, 30), ...bad, ...good.slice(30)], { attempts: 5, eventsPerJob: 20 });
    const [garbage] = await h.enqueueRaw(['not a job at all'], { attempts: 5 });
    await h.waitUntilDrained(20_000);
    const failed = await h.queue.getFailed();
    expect(failed.map((j) => j.id).sort()).toEqual([ids[1], garbage].sort());
    for (const job of failed) {
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toMatch(/usage event/);
      expect(job.failedReason).not.toContain('do not store me');
    }
    expect(failed.find((j) => j.id === ids[1])?.failedReason).toMatch(/^4 of 20 usage events refused \(16 stored, 0 already stored\)/);
    expect(await readDaily(h.db)).toEqual(expectedDaily(good));
    expect(h.logs.join('')).toContain('usage events rejected');
  });

  it('isolates an event the database refuses by halving its batch', async () => {
    const usage: UsageRecord[] = [];
    const writer = createUsageBatchWriter({ orm: h.runtime.orm, logger: createLogger({ level: 'silent', name: 'writer-test' }), metrics: { recordUsage: (r) => usage.push(r) } });
    const good = makeEvents(37, 'halving');
    // Both pass the schema but not Postgres: a value over the INTEGER column, and a NUL character
    // (which no text column takes; it fails the statement with a protocol error).
    const refused = makeEvent({ requestId: 'refused', promptTokens: 2 ** 31 });
    const withNul = makeEvent({ requestId: 'nul', model: 'gpt-4o\u0000mini' });
    const outcomes = await writer([...good.slice(0, 20), refused, ...good.slice(20, 30), withNul, ...good.slice(30)]);
    expect(outcomes.filter((o) => !o.ok)).toHaveLength(1);
    expect(outcomes[20]?.ok === false && outcomes[20].error.name).toBe('UnrecoverableError');
    // The NUL event is stored with its text cleaned, never dropped (usage-event-text-cleaned.test.ts).
    expect(outcomes[31]).toEqual({ ok: true, value: { duplicate: false } });
    expect(await readDaily(h.db)).toEqual(expectedDaily([...good, { ...withNul, model: 'gpt-4o\uFFFDmini' }]));
    // Usage metrics count each stored event once, and never a BYOK request's credits.
    expect(usage).toHaveLength(38);
    expect(usage.filter((r) => r.credentialSource !== 'system' && r.creditsMicro > 0)).toEqual([]);
    expect((await writer(good.slice(0, 5))).every((o) => o.ok && o.value.duplicate)).toBe(true);
    expect(usage).toHaveLength(38);
  });
});
