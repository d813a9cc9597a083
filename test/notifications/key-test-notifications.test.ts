import { fakeKey } from '@byok/mock-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerHarness, type WorkerHarness } from '../worker/support/worker-harness.js';

/** The worker's key-test verdicts notify the owner in the statement that writes them. */
describe('key-test verdicts', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await startWorkerHarness('notify_verdicts');
    await h.startWorker();
  });
  afterAll(async () => {
    await h.close();
  });

  const eventsOf = (keyId: string) =>
    h.db.sql<{ type: string; user_id: string; payload: Record<string, unknown> }>(
      `SELECT type, user_id, payload FROM notification_outbox WHERE payload->'subject'->>'keyId' = $1 ORDER BY created_at`,
      [keyId],
    );
  const test = async (key: Parameters<WorkerHarness['enqueueTest']>[0]) => h.waitForJob(await h.enqueueTest(key, { reason: 'manual' }), 20_000);

  it('tell the owner once when a key turns invalid, never with the key text', async () => {
    const apiKey = fakeKey('openai', 'invalid', 'verdict-invalid');
    const key = await h.insertKey({ userId: 'verdict-user', provider: 'openai', apiKey });
    await h.db.sql(`UPDATE user_provider_keys SET label = 'work laptop' WHERE id = $1`, [key.id]);
    expect((await test(key)).state).toBe('completed');
    const [event] = await eventsOf(key.id);
    expect(event).toMatchObject({ type: 'key_invalid', user_id: 'verdict-user', payload: { title: 'openai (work laptop) key is invalid', link: `/account/api-keys#key-${key.id}` } });
    expect(JSON.stringify(event)).not.toContain(apiKey);
    // The same verdict again says nothing new.
    await test(key);
    expect(await eventsOf(key.id)).toHaveLength(1);
  });

  it('tell the owner when a key runs out of credit, and when it works again', async () => {
    const key = await h.insertKey({ userId: 'verdict-user', provider: 'anthropic', apiKey: fakeKey('anthropic', 'no_credit', 'verdict-credit') });
    await test(key);
    expect((await eventsOf(key.id)).map((e) => e.type)).toEqual(['key_no_credit']);

    const valid = await h.insertKey({ userId: 'verdict-user', provider: 'google', apiKey: fakeKey('google', 'valid', 'verdict-recovered') });
    // Its last verdict said invalid (an earlier test); this one passes.
    await h.db.sql(`UPDATE user_provider_keys SET metadata = jsonb_set(metadata, '{validation}', '{"outcome":"invalid"}') WHERE id = $1`, [valid.id]);
    await test(valid);
    expect((await eventsOf(valid.id)).map((e) => e.type)).toEqual(['key_recovered']);
    // A first test that passes is no news.
    const fresh = await h.insertKey({ userId: 'verdict-user', provider: 'together', apiKey: fakeKey('together', 'valid', 'verdict-fresh') });
    await test(fresh);
    expect(await eventsOf(fresh.id)).toEqual([]);
  });

  it('notify nobody when the verdict is not written (the key was replaced before the test)', async () => {
    const key = await h.insertKey({ userId: 'verdict-stale-user', provider: 'cohere', apiKey: fakeKey('cohere', 'invalid', 'verdict-stale') });
    await h.db.sql('UPDATE user_provider_keys SET key_version = key_version + 1 WHERE id = $1', [key.id]);
    const job = await test(key);
    expect(job.returnvalue).toEqual({ skipped: 'stale' });
    expect(await eventsOf(key.id)).toEqual([]);
  });
});
