import { scanKeyReminders } from '@byok/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotifierHarness, startNotifierHarness } from './support/notifier-harness.js';

const DAY_MS = 86_400_000;

describe('the reminder scan', () => {
  let h: NotifierHarness;
  beforeAll(async () => {
    h = await startNotifierHarness('notify_reminders');
  });
  afterAll(async () => {
    await h.close();
  });

  const reminders = (keyId: string) =>
    h.db.sql<{ type: string; details: { daysLeft?: number; ageDays?: number } }>(
      `SELECT type, payload->'details' AS details FROM notification_outbox WHERE payload->'subject'->>'keyId' = $1 ORDER BY created_at, type`,
      [keyId],
    );

  it('reminds 14, 7 and 1 days before expiry, once per threshold, starting at the nearest one crossed', async () => {
    const now = new Date();
    const key = await h.insertKey({ userId: 'expiry-user', provider: 'openai' });
    const late = await h.insertKey({ userId: 'expiry-user', provider: 'groq' });
    const far = await h.insertKey({ userId: 'expiry-user', provider: 'mistral' });
    const expires = new Date(now.getTime() + 20 * DAY_MS);
    await h.db.sql('UPDATE user_provider_keys SET expires_at = $2 WHERE id = $1', [key.keyId, expires]);
    // First seen three days before its expiry: only the 7-day reminder, not the 14-day one as well.
    await h.db.sql('UPDATE user_provider_keys SET expires_at = $2 WHERE id = $1', [late.keyId, new Date(now.getTime() + 3 * DAY_MS)]);
    await h.db.sql('UPDATE user_provider_keys SET expires_at = $2 WHERE id = $1', [far.keyId, new Date(now.getTime() + 60 * DAY_MS)]);
    const scanAt = (daysBeforeExpiry: number) => scanKeyReminders(h.runtime.orm, { rotationReminderDays: 90, now: new Date(expires.getTime() - daysBeforeExpiry * DAY_MS) });

    await scanAt(15);
    expect(await reminders(key.keyId)).toEqual([]);
    await scanAt(13.9);
    await scanAt(13.5);
    await scanAt(8);
    expect((await reminders(key.keyId)).map((r) => r.details.daysLeft)).toEqual([14]);
    await scanAt(6.5);
    await scanAt(0.5);
    await scanAt(0.2);
    expect((await reminders(key.keyId)).map((r) => [r.type, r.details.daysLeft])).toEqual([
      ['key_expiring', 14],
      ['key_expiring', 7],
      ['key_expiring', 1],
    ]);
    // Expired keys are not reminded of any more.
    await scanAt(-1);
    expect(await reminders(key.keyId)).toHaveLength(3);

    await scanKeyReminders(h.runtime.orm, { rotationReminderDays: 90, now });
    expect((await reminders(late.keyId)).map((r) => r.details.daysLeft)).toEqual([7]);
    expect(await reminders(far.keyId)).toEqual([]);
  });

  it('reminds to rotate a key whose text is older than the reminder age, and not after it was replaced', async () => {
    const old = await h.insertKey({ userId: 'rotation-user', provider: 'anthropic' });
    const fresh = await h.insertKey({ userId: 'rotation-user', provider: 'cohere' });
    await h.db.sql(`UPDATE user_provider_keys SET key_set_at = now() - interval '120 days 1 hour' WHERE id = $1`, [old.keyId]);
    const scan = () => scanKeyReminders(h.runtime.orm, { rotationReminderDays: 90 });
    expect(await scan()).toBe(1);
    expect(await scan()).toBe(0);
    const [reminder] = await reminders(old.keyId);
    expect(reminder).toMatchObject({ type: 'key_rotation_due', details: { ageDays: 120 } });
    expect(await reminders(fresh.keyId)).toEqual([]);
    // A replacement bumps the version, and the trigger restarts the key's age.
    await h.db.sql('UPDATE user_provider_keys SET key_version = key_version + 1 WHERE id = $1', [old.keyId]);
    const [row] = await h.db.sql<{ age_s: number }>('SELECT extract(epoch FROM now() - key_set_at)::int AS age_s FROM user_provider_keys WHERE id = $1', [old.keyId]);
    expect(row?.age_s).toBeLessThan(60);
    // Re-encryption under a new Fernet key is not a new key text: the age stays.
    await h.db.sql(`UPDATE user_provider_keys SET key_set_at = now() - interval '100 days' WHERE id = $1`, [fresh.keyId]);
    await h.db.sql(`UPDATE user_provider_keys SET api_key_encrypted = 'another-stand-in-token' WHERE id = $1`, [fresh.keyId]);
    expect(await scan()).toBe(1);
    expect((await reminders(fresh.keyId)).map((r) => r.type)).toEqual(['key_rotation_due']);
  });

  it('never reminds to rotate with KEY_ROTATION_REMINDER_DAYS=0, and still reminds of expiry', async () => {
    const ancient = await h.insertKey({ userId: 'rotation-never-user', provider: 'together' });
    await h.db.sql(`UPDATE user_provider_keys SET key_set_at = now() - interval '3650 days', expires_at = now() + interval '3 days' WHERE id = $1`, [ancient.keyId]);
    const fresh = await h.insertKey({ userId: 'rotation-never-user', provider: 'perplexity' });
    expect(await scanKeyReminders(h.runtime.orm, { rotationReminderDays: 0 })).toBe(1);
    expect((await reminders(ancient.keyId)).map((r) => r.type)).toEqual(['key_expiring']);
    expect(await reminders(fresh.keyId)).toEqual([]);
  });
});
