import { createKeyHealthReader, createKeyHealthTracker, histogramMedian, type KeyHealthTracker, latencyBucket } from '@byok/key-health';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisPrefix } from '../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../support/services.js';

/** Two trackers on one Redis prefix stand for two proxy instances; a controllable clock drives time. */
const prefix = uniqueTestName('key_health');
let clock = Date.now();
const now = () => clock;
const connections: Redis[] = [];
const open = () => {
  const redis = new Redis(testServiceUrls().redisUrl, { maxRetriesPerRequest: 1 });
  connections.push(redis);
  return redis;
};
let a: KeyHealthTracker;
let b: KeyHealthTracker;

beforeAll(async () => {
  const make = () => createKeyHealthTracker({ redis: open(), subscriber: () => new Redis(testServiceUrls().redisUrl), keyPrefix: prefix, now, statsFlushIntervalMs: 50 });
  a = make();
  b = make();
  await Promise.all([a.start(), b.start()]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  for (const c of connections) c.disconnect();
  await deleteRedisPrefix(prefix);
});

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 1000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - started;
}

describe('key health shared through Redis', () => {
  it('a 429 with Retry-After cools the key on this instance at once and on the other within 1 s', async () => {
    const block = a.recordFailure('k-429', { kind: 'rate_limited', retryAfterMs: 2000 }, 12);
    expect(block).toEqual({ reason: 'cooling_down', untilMs: clock + 2000 });
    await eventually(() => b.blocked('k-429')?.reason === 'cooling_down', 'the cool-down on the second instance');
    expect(b.blocked('k-429')?.untilMs).toBe(clock + 2000);
    expect(await b.claim('k-429')).toBe(false);
    clock += 2001;
    expect(a.blocked('k-429')).toBeNull();
    expect(await b.claim('k-429')).toBe(true);
  });

  it('caps a Retry-After at 10 minutes, and without one cools 5 s, 10 s, 20 s … up to 5 minutes', async () => {
    expect(a.recordFailure('k-cap', { kind: 'rate_limited', retryAfterMs: 3_600_000 }, 1)?.untilMs).toBe(clock + 600_000);
    const durations: number[] = [];
    for (let i = 0; i < 8; i++) {
      if (i > 0) clock += 400_000;
      const at = clock;
      durations.push((a.recordFailure('k-exp', { kind: 'rate_limited' }, 1)?.untilMs ?? 0) - at);
    }
    expect(durations).toEqual([5000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    // The other instance counted the same streak in Redis.
    await eventually(() => b.blocked('k-exp') !== null, 'the last cool-down on the second instance');
  });

  it('five consecutive faults open the circuit for 30 s on both instances; then one trial, whose result closes or re-opens it', async () => {
    for (let i = 0; i < 4; i++) expect(a.recordFailure('k-5xx', { kind: 'fault' }, 5)).toBeNull();
    expect(a.recordFailure('k-5xx', { kind: 'fault' }, 5)).toEqual({ reason: 'circuit_open', untilMs: clock + 30_000 });
    await eventually(() => b.blocked('k-5xx')?.reason === 'circuit_open', 'the open circuit on the second instance');
    clock += 30_001;
    // Half-open: one trial; the second request waits for its verdict.
    expect(await a.claim('k-5xx')).toBe(true);
    expect(await a.claim('k-5xx')).toBe(false);
    expect(a.blocked('k-5xx')?.reason).toBe('circuit_open');
    // The trial fails: open again.
    expect(a.recordFailure('k-5xx', { kind: 'fault' }, 5)?.reason).toBe('circuit_open');
    clock += 30_001;
    expect(await a.claim('k-5xx')).toBe(true);
    a.recordSuccess('k-5xx', 40);
    expect(a.blocked('k-5xx')).toBeNull();
    expect(await a.claim('k-5xx')).toBe(true);
    expect(await a.claim('k-5xx')).toBe(true);
    // Until the success reaches it, the other instance sees the trial taken.
    await eventually(async () => (await b.claim('k-5xx')) && b.blocked('k-5xx') === null, 'the closed circuit on the second instance');
  });

  it('takes one half-open trial across all instances, and frees it with the trial’s verdict', async () => {
    for (let i = 0; i < 5; i++) a.recordFailure('k-trial', { kind: 'fault' }, 5);
    await eventually(() => b.blocked('k-trial')?.reason === 'circuit_open', 'the open circuit on the second instance');
    clock += 30_001;
    const claims = await Promise.all([a.claim('k-trial'), b.claim('k-trial')]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const [winner, loser] = claims[0] === true ? [a, b] : [b, a];
    // The other instance waits for the verdict like a second request on the winner's.
    expect(loser.blocked('k-trial')?.reason).toBe('circuit_open');
    expect(await loser.claim('k-trial')).toBe(false);
    expect(await winner.claim('k-trial')).toBe(false);
    // The trial fails: open again on both, and the next half-open has its one trial again.
    winner.recordFailure('k-trial', { kind: 'fault' }, 5);
    await eventually(() => loser.blocked('k-trial')?.untilMs === clock + 30_000, 'the re-opened circuit on the other instance');
    clock += 30_001;
    const again = await Promise.all([loser.claim('k-trial'), winner.claim('k-trial')]);
    expect(again.filter(Boolean)).toHaveLength(1);
    // It succeeds: closed on both.
    (again[0] === true ? loser : winner).recordSuccess('k-trial', 10);
    await eventually(() => a.blocked('k-trial') === null && b.blocked('k-trial') === null, 'the closed circuit on both instances');
    expect(await a.claim('k-trial')).toBe(true);
    expect(await b.claim('k-trial')).toBe(true);
  });

  it('a success in between restarts the fault count', async () => {
    for (let i = 0; i < 4; i++) a.recordFailure('k-flaky', { kind: 'fault' }, 5);
    a.recordSuccess('k-flaky', 5);
    for (let i = 0; i < 4; i++) expect(a.recordFailure('k-flaky', { kind: 'fault' }, 5)).toBeNull();
  });

  it('an instance started later loads the blocks already in force', async () => {
    b.recordFailure('k-late', { kind: 'rate_limited', retryAfterMs: 60_000 }, 3);
    const reader = createKeyHealthReader({ redis: open(), keyPrefix: prefix, now });
    await eventually(() => a.blocked('k-late') !== null, 'the block on the first instance');
    const late = createKeyHealthTracker({ redis: open(), subscriber: () => new Redis(testServiceUrls().redisUrl), keyPrefix: prefix, now });
    await late.start();
    expect(late.blocked('k-late')).toEqual({ reason: 'cooling_down', untilMs: clock + 60_000 });
    await late.close();
    expect((await reader.read(['k-late'])).get('k-late')?.state).toBe('cooling_down');
  });

  it('the reader reports state, block end, failing-since and the last 15 minutes', async () => {
    const reader = createKeyHealthReader({ redis: open(), keyPrefix: prefix, now });
    a.recordSuccess('k-stats', 80);
    a.recordSuccess('k-stats', 120);
    a.recordFailure('k-stats', { kind: 'fault' }, 400);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const health = await reader.read(['k-stats', 'k-5xx', 'k-never']);
    expect(health.get('k-stats')).toEqual({ state: 'failing', cooldownUntil: null, failingSince: new Date(clock), last15m: { requests: 3, errors: 1, p50LatencyMs: expect.any(Number) } });
    const p50 = health.get('k-stats')?.last15m.p50LatencyMs ?? 0;
    expect(p50).toBeGreaterThan(100);
    expect(p50).toBeLessThanOrEqual(200);
    expect(health.get('k-5xx')?.state).toBe('ok');
    expect(health.get('k-never')).toEqual({ state: 'ok', cooldownUntil: null, failingSince: null, last15m: { requests: 0, errors: 0, p50LatencyMs: null } });
    a.recordFailure('k-open', { kind: 'fault' }, 1);
    for (let i = 0; i < 4; i++) a.recordFailure('k-open', { kind: 'fault' }, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await reader.read(['k-open'])).get('k-open')).toMatchObject({ state: 'circuit_open', cooldownUntil: new Date(clock + 30_000) });
    // Stats older than 15 minutes no longer count.
    clock += 16 * 60_000;
    expect((await reader.read(['k-stats'])).get('k-stats')?.last15m.requests).toBe(0);
  });

  it('medians come from the latency histogram', () => {
    const counts = new Array<number>(20).fill(0);
    expect(histogramMedian(counts)).toBeNull();
    counts[latencyBucket(150)] = 2;
    // The median falls halfway into the 100–200 ms bucket.
    expect(histogramMedian(counts)).toBe(150);
    counts[latencyBucket(10)] = 2;
    expect(histogramMedian(counts)).toBe(25);
    counts[latencyBucket(500_000)] = 10;
    expect(histogramMedian(counts)).toBe(120_000);
  });
});
