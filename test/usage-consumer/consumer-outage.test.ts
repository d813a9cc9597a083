import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServiceUrls } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';
import { FAST_RETRY, startConsumerHarness, type ConsumerHarness } from './support/consumer-harness.js';
import { expectedDaily, expectedDebits, makeEvents, readCredits, readDaily } from './support/usage-fixtures.js';

describe('usage consumer while Postgres is away', () => {
  let h: ConsumerHarness;
  let pgSwitch: TcpSwitch;
  beforeAll(async () => {
    const { hostname, port } = new URL(testServiceUrls().postgresAdminUrl);
    pgSwitch = await startTcpSwitch({ host: hostname, port: Number(port) });
    // The consumer reaches Postgres through the switch; assertions use the test database directly.
    h = await startConsumerHarness('usage_outage', { databaseUrl: (db) => pgSwitch.url(db.url) });
    await h.startConsumer();
  });
  afterAll(async () => {
    await h.close();
    await pgSwitch.close();
  });

  it('loses nothing and counts nothing twice: batches fail, jobs retry, and all land once Postgres is back', { timeout: 180_000 }, async () => {
    const before = makeEvents(500, 'before');
    await h.enqueue(before, FAST_RETRY);
    await h.waitUntilDrained(60_000);

    await pgSwitch.off();
    const during = makeEvents(3000, 'during');
    await h.enqueue(during, FAST_RETRY);
    // Let several batches fail and go into backoff while the database is unreachable.
    const deadline = Date.now() + 15_000;
    while (!h.logs.some((line) => line.includes('usage batch not stored')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 2000));
    expect(h.logs.join('')).toContain('"kind":"unavailable"');
    expect(await h.db.sql("SELECT count(*)::int AS n FROM usage_events WHERE request_id LIKE 'during-%'")).toEqual([{ n: 0 }]);
    const retrying = await h.jobCounts();
    expect((retrying.delayed ?? 0) + (retrying.waiting ?? 0) + (retrying.active ?? 0)).toBeGreaterThan(0);

    await pgSwitch.on();
    await h.waitUntilDrained(100_000);
    const all = [...before, ...during];
    expect(await readDaily(h.db)).toEqual(expectedDaily(all));
    const credits = await readCredits(h.db);
    for (const [user, debited] of expectedDebits(all)) expect(credits.get(user)).toMatchObject({ balance: -debited, debited });
    expect((await h.jobCounts()).failed).toBe(0);
  });
});
