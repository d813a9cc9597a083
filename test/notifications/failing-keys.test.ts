import { createKeyHealthReader, createKeyHealthTracker, type KeyHealthTracker } from '@byok/key-health';
import { scanFailingKeys } from '@byok/notifications';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotifierHarness, startNotifierHarness } from './support/notifier-harness.js';

const FAILING_AFTER_S = 300;

describe('the failing-keys scan (key_circuit_open)', () => {
  let h: NotifierHarness;
  let clock = Date.now();
  let tracker: KeyHealthTracker;
  beforeAll(async () => {
    h = await startNotifierHarness('notify_failing');
    const prefix = h.runtime.config.redisPrefix;
    // The proxies' own tracker writes the state the scan reads; its clock is the test's.
    tracker = createKeyHealthTracker({ redis: h.runtime.redis, subscriber: () => new Redis(h.runtime.config.redisUrl), keyPrefix: prefix, now: () => clock });
    await tracker.start();
  });
  afterAll(async () => {
    await tracker.close();
    await h.close();
  });

  const events = (keyId: string) =>
    h.db.sql<{ type: string; user_id: string; payload: { subject: { label: string; provider: string }; details: { failingForS: number } } }>(
      `SELECT type, user_id, payload FROM notification_outbox WHERE payload->'subject'->>'keyId' = $1`,
      [keyId],
    );
  const reader = () => createKeyHealthReader({ redis: h.runtime.redis, keyPrefix: h.runtime.config.redisPrefix, now: () => clock });
  const failUntilOpen = async (keyId: string) => {
    for (let i = 0; i < 5; i++) tracker.recordFailure(keyId, { kind: 'fault' }, 5);
    // The tracker writes Redis behind the caller's back; wait until the block is there.
    for (let tries = 0; !(await reader().blockedKeyIds()).includes(keyId); tries++) {
      if (tries > 200) throw new Error('the circuit never reached Redis');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('tells the owner once per hour about a key failing longer than NOTIFY_FAILING_AFTER_S, and not before', async () => {
    const key = await h.insertKey({ userId: 'failing-owner', provider: 'openai', label: 'work' });
    const fresh = await h.insertKey({ userId: 'failing-owner', provider: 'groq' });
    await failUntilOpen(key.keyId);
    await failUntilOpen(fresh.keyId);
    const scanAt = (afterS: number) => scanFailingKeys(h.runtime.orm, reader(), { failingAfterS: FAILING_AFTER_S, now: clock + afterS * 1000 });

    // Blocked, but not failing long enough yet.
    expect(await scanAt(10)).toBe(0);
    expect(await events(key.keyId)).toEqual([]);

    // Still blocked (the circuit re-opened) and failing for over five minutes.
    clock += 290_000;
    await failUntilOpen(key.keyId);
    expect(await scanAt(15)).toBe(1);
    const [event] = await events(key.keyId);
    expect(event).toMatchObject({ type: 'key_circuit_open', user_id: 'failing-owner', payload: { subject: { provider: 'openai', label: 'work' } } });
    expect(event?.payload.details.failingForS).toBeGreaterThanOrEqual(FAILING_AFTER_S);
    // The other key's circuit was not re-opened, so it is no longer blocked: nothing to say.
    expect(await events(fresh.keyId)).toEqual([]);

    // Scanning again, from another notifier or a minute later, adds nothing within the hour.
    expect(await scanAt(20)).toBe(0);
    expect(await events(key.keyId)).toHaveLength(1);
    // A success ends the streak: the key is no longer failing.
    tracker.recordSuccess(key.keyId, 5);
    clock += 3_600_000;
    for (let tries = 0; (await reader().blockedKeyIds()).includes(key.keyId) && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await scanAt(0)).toBe(0);
  });

  it('says nothing about a disabled key or an id that is not a stored key', async () => {
    const key = await h.insertKey({ userId: 'disabled-owner', provider: 'anthropic' });
    await h.db.sql('UPDATE user_provider_keys SET enabled = FALSE WHERE id = $1', [key.keyId]);
    const start = clock;
    await failUntilOpen(key.keyId);
    await failUntilOpen('platform:openai');
    expect(await scanFailingKeys(h.runtime.orm, reader(), { failingAfterS: 1, now: start + 20_000 })).toBe(0);
    expect(await events(key.keyId)).toEqual([]);
  });
});
