import { keyChangeChannel } from '@byok/queues';
import { startWorker, type WorkerHandle } from '@byok/worker';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { type ProxyHarness, startProxyHarness, waitFor } from '../proxy/support/proxy-harness.js';
import { startWorkerHarness, type WorkerHarness } from './support/worker-harness.js';

/**
 * A key test that changes how routing treats a key is announced on the key-change channel, so
 * proxies drop the user's cached routes at once instead of after their 30 s cache TTL.
 */
describe('a key the worker finds invalid', () => {
  let h: ProxyHarness;
  let worker: WorkerHandle | undefined;
  beforeAll(async () => {
    h = await startProxyHarness('worker_announce_proxy');
  });
  afterAll(async () => {
    await worker?.close();
    await h?.close();
  });

  it('stops being used by a proxy that had it cached within 1 s of the test', async () => {
    const user = 'announce-user';
    const openrouter = await h.addKey(user, 'openrouter', 'invalid');
    await h.addKey(user, 'openai', 'valid');
    await takeInEarlierAnnouncements(h);
    // The proxy loads the user's routes while both keys are untested, hence usable; its cache
    // would keep them for 30 s.
    const skipOf = async (): Promise<string | null | undefined> => (await h.proxy.services.routes.get(user)).keys.byProvider.get('openrouter')?.[0]?.skip;
    expect(await skipOf()).toBeNull();

    worker = await startWorker(h.api.runtime);
    await waitFor(async () => (await h.api.db.sql('SELECT 1 FROM user_provider_keys WHERE id = $1 AND test_status = $2', [openrouter.id, 'invalid'])).length === 1, 10_000, 'the worker to record the key invalid');
    const recordedAt = Date.now();
    await waitFor(async () => (await skipOf()) === 'invalid', 1000, 'the proxy to drop its cached routes');
    expect(Date.now() - recordedAt).toBeLessThan(1500);

    const res = await request(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt(user)}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-byok-provider']).toBe('openai');
  });
});

/**
 * Waits until the proxy has handled every announcement published so far (the API's, for the saves
 * above), so none of them drops the routes the test loads next. Messages on one channel arrive in
 * order: once a probe user's cached entry is replaced, everything published before it was handled.
 */
async function takeInEarlierAnnouncements(h: ProxyHarness): Promise<void> {
  const probe = 'announcement-probe';
  const cached = await h.proxy.services.routes.get(probe);
  await h.api.runtime.redis.publish(keyChangeChannel(h.api.redisPrefix), probe);
  await waitFor(async () => (await h.proxy.services.routes.get(probe)) !== cached, 1000, 'the proxy to handle the probe');
}

describe('key-change announcements of key tests', () => {
  let h: WorkerHarness;
  let subscriber: Redis;
  let messages: string[];
  beforeAll(async () => {
    h = await startWorkerHarness('worker_announce');
    await h.startWorker();
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    messages = [];
    subscriber = new Redis(h.config.redisUrl);
    subscriber.on('message', (_channel: string, message: string) => messages.push(message));
    await subscriber.subscribe(keyChangeChannel(h.redisPrefix));
  });
  afterEach(() => subscriber.quit());

  /**
   * The announcements seen so far. A marker is published after the job ended; messages on one
   * channel arrive in order, and the worker publishes before it completes the job, so every
   * announcement of the job is in by the time the marker is.
   */
  async function announcementsUntilNow(): Promise<string[]> {
    const marker = `marker-${messages.length}-${Date.now()}`;
    await h.runtime.redis.publish(keyChangeChannel(h.redisPrefix), marker);
    await waitFor(() => messages.includes(marker), 5000, 'the marker');
    return messages.slice(0, messages.indexOf(marker));
  }

  it.each([
    ['invalid', 'groq', 'invalid', 1],
    ['no credit', 'openai', 'no_credit', 1],
    ['valid', 'anthropic', 'valid', 0],
  ] as const)('a new key found %s: %i announcement(s)', async (_label, provider, scenario, count) => {
    const userId = `announce-${scenario}`;
    const key = await h.insertKey({ userId, provider, apiKey: fakeKey(provider, scenario, userId) });
    await h.waitForJob(await h.enqueueTest(key));
    expect(await announcementsUntilNow()).toEqual(Array(count).fill(userId));
  });

  it('a manual re-test of an invalid key announces it usable while tested, and unusable again', async () => {
    const userId = 'announce-retest';
    const key = await h.insertKey({ userId, provider: 'together', apiKey: fakeKey('together', 'invalid', userId) });
    await h.waitForJob(await h.enqueueTest(key));
    expect(await announcementsUntilNow()).toEqual([userId]);

    messages = [];
    await h.waitForJob(await h.enqueueTest(key, { reason: 'manual' }));
    expect(await announcementsUntilNow()).toEqual([userId, userId]);
    expect((await h.keyRow(key.id)).test_status).toBe('invalid');
  });
});
