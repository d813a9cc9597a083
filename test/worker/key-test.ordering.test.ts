import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskKey } from '@byok/crypto';
import { upsertProviderKey } from '@byok/db';
import { PROVIDERS, type ProviderId } from '@byok/providers';
import { createKeyTestProcessor, keyTestIdempotencyKey } from '@byok/worker';
import { fakeKey } from '@byok/mock-providers';
import { sleep, startWorkerHarness, type WorkerHarness } from './support/worker-harness.js';

describe('key tests racing saves, replacements and redelivery', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await startWorkerHarness('worker_ordering', { slowDelayMs: 1500 });
    await h.startWorker();
  });
  afterAll(() => h.close());

  /** Saves a key and enqueues its test inside one transaction, as the API does, committing after `commitAfterMs`. */
  async function saveLikeTheApi(userId: string, provider: ProviderId, apiKey: string, options: { commitAfterMs: number; rollBack?: boolean; attempts?: number }) {
    let jobId = '';
    let keyId = '';
    const saved = h.runtime.orm.em.fork().transactional(async (tx) => {
      const { key } = await upsertProviderKey(tx, { userId, provider, apiKeyEncrypted: h.runtime.keyring.encrypt(apiKey), keyHint: maskKey(apiKey, PROVIDERS[provider].keyFormat.knownPrefix) });
      keyId = key.id;
      jobId = await h.enqueueTest(key, { jobOptions: options.attempts ? { attempts: options.attempts } : {} });
      await sleep(options.commitAfterMs);
      if (options.rollBack) throw new Error('save rolled back on purpose');
      return key;
    });
    const key = await saved.catch((error: unknown) => {
      if (options.rollBack) return null;
      throw error;
    });
    return { key, keyId, jobId };
  }

  it('a key replaced while its job waited: the stale job writes nothing and never calls the provider', async () => {
    const oldKey = fakeKey('openai', 'valid', 'stale-old');
    const v1 = await h.insertKey({ userId: 'stale-user', provider: 'openai', apiKey: oldKey });
    const staleJob = await h.enqueueTest(v1, { jobOptions: { delay: 300 } });
    const v2 = await h.insertKey({ userId: 'stale-user', provider: 'openai', apiKey: fakeKey('openai', 'slow', 'stale-new') });
    expect(v2.keyVersion).toBe(2);
    expect(await h.waitForJob(staleJob)).toMatchObject({ state: 'completed', returnvalue: { skipped: 'stale' } });
    expect(h.callsWith(oldKey)).toHaveLength(0);
    expect(await h.keyRow(v1.id)).toMatchObject({ key_version: 2, test_status: 'testing', last_tested_at: null });
    expect(await h.auditOf(v1.id)).toHaveLength(0);
  });

  it('a job seen before its new key commits is retried, then tests the committed key', async () => {
    const apiKey = fakeKey('groq', 'valid', 'early-insert');
    const { keyId, jobId } = await saveLikeTheApi('early-user', 'groq', apiKey, { commitAfterMs: 300 });
    const job = await h.waitForJob(jobId);
    expect(job).toMatchObject({ state: 'completed', returnvalue: { status: 'valid' } });
    expect(job.attemptsMade).toBeGreaterThanOrEqual(2);
    expect(job.stacktrace[0]).toMatch(/^RetryableJobError: key version not visible yet/);
    expect(h.callsWith(apiKey)).toHaveLength(1);
    expect(await h.auditOf(keyId)).toHaveLength(1);
  });

  it('a job for a replacement seen while the old version is still visible waits for the new one', async () => {
    const first = await h.insertKey({ userId: 'early-replace', provider: 'anthropic', apiKey: fakeKey('anthropic', 'invalid', 'early-replace-1') });
    const newKey = fakeKey('anthropic', 'valid', 'early-replace-2');
    const { jobId } = await saveLikeTheApi('early-replace', 'anthropic', newKey, { commitAfterMs: 300 });
    expect(await h.waitForJob(jobId)).toMatchObject({ state: 'completed', returnvalue: { status: 'valid' } });
    expect(h.callsWith(newKey)).toHaveLength(1);
    expect(await h.keyRow(first.id)).toMatchObject({ key_version: 2, test_status: 'valid' });
  });

  it('a job whose save rolled back ends quietly after its attempts, writing nothing', async () => {
    const apiKey = fakeKey('together', 'valid', 'rolled-back');
    const { key, keyId, jobId } = await saveLikeTheApi('rollback-user', 'together', apiKey, { commitAfterMs: 0, rollBack: true, attempts: 3 });
    expect(key).toBeNull();
    expect(await h.waitForJob(jobId)).toMatchObject({ state: 'completed', attemptsMade: 3, returnvalue: { skipped: 'not_visible' } });
    expect(h.callsWith(apiKey)).toHaveLength(0);
    expect(await h.db.sql('SELECT 1 FROM user_provider_keys WHERE id = $1', [keyId])).toHaveLength(0);
    expect(await h.auditOf(keyId)).toHaveLength(0);
  });

  it('a key replaced while the provider call is in flight: the compare-and-set misses and no audit is written', async () => {
    const slowKey = fakeKey('openrouter', 'slow', 'inflight');
    const v1 = await h.insertKey({ userId: 'inflight-user', provider: 'openrouter', apiKey: slowKey });
    const jobId = await h.enqueueTest(v1);
    await waitUntil(() => h.callsWith(slowKey).length === 1);
    await h.insertKey({ userId: 'inflight-user', provider: 'openrouter', apiKey: fakeKey('openrouter', 'valid', 'inflight-2') });
    expect(await h.waitForJob(jobId)).toMatchObject({ state: 'completed', returnvalue: { skipped: 'changed' } });
    expect(await h.keyRow(v1.id)).toMatchObject({ key_version: 2, test_status: 'testing', last_tested_at: null });
    expect(await h.auditOf(v1.id)).toHaveLength(0);
  });

  it('a manual re-test shows testing during the call and audits as the user; a scheduled one keeps the last verdict and audits as system', async () => {
    const apiKey = fakeKey('cohere', 'slow', 'manual');
    const key = await h.insertKey({ userId: 'manual-user', provider: 'cohere', apiKey });
    expect(await h.waitForJob(await h.enqueueTest(key))).toMatchObject({ returnvalue: { status: 'valid' } });
    expect((await h.keyRow(key.id)).test_status).toBe('valid');

    const manual = await h.enqueueTest(key, { reason: 'manual', actorId: 'manual-user' });
    await waitUntil(() => h.callsWith(apiKey).length === 2);
    expect((await h.keyRow(key.id)).test_status).toBe('testing');
    expect(await h.waitForJob(manual)).toMatchObject({ returnvalue: { status: 'valid' } });

    const scheduled = await h.enqueueTest(key, { reason: 'scheduled', actorId: 'system' });
    await waitUntil(() => h.callsWith(apiKey).length === 3);
    expect((await h.keyRow(key.id)).test_status).toBe('valid');
    expect(await h.waitForJob(scheduled)).toMatchObject({ returnvalue: { status: 'valid' } });
    const audit = await h.auditOf(key.id);
    expect(audit.map((a) => [a.actor_id, a.actor_type, a.details.reason])).toEqual([
      ['manual-user', 'user', 'added'],
      ['manual-user', 'user', 'manual'],
      ['system', 'system', 'scheduled'],
    ]);
  });

  it('a job run again after its result was written (worker killed before the ack) ends the same way without calling the provider', async () => {
    const processor = createKeyTestProcessor({ orm: h.runtime.orm, keyring: h.runtime.keyring, config: h.config, logger: h.runtime.logger });
    const validKey = fakeKey('google', 'valid', 'replay');
    const valid = await h.insertKey({ userId: 'replay-user', provider: 'google', apiKey: validKey });
    const job = (key: typeof valid, id: string) => ({
      id,
      data: { keyId: key.id, keyVersion: key.keyVersion, userId: key.userId, provider: key.provider, reason: 'added', actorId: key.userId },
      attemptsMade: 0,
      opts: { attempts: 5 },
    });
    const first = await processor(job(valid, 'replay-1'));
    expect(first).toMatchObject({ status: 'valid', outcome: 'valid' });
    expect(await processor(job(valid, 'replay-1'))).toEqual(first);
    expect(h.callsWith(validKey)).toHaveLength(1);
    expect(await h.auditOf(valid.id)).toMatchObject([{ idempotency_key: keyTestIdempotencyKey(job(valid, 'replay-1').data, 'replay-1') }]);

    const invalidKey = fakeKey('groq', 'invalid', 'replay');
    const invalid = await h.insertKey({ userId: 'replay-user', provider: 'groq', apiKey: invalidKey });
    const rejected = await processor(job(invalid, 'replay-2'));
    const stored = await h.keyRow(invalid.id);
    expect(rejected).toMatchObject({ status: 'invalid', message: stored.last_test_message });
    expect(await processor(job(invalid, 'replay-2'))).toEqual(rejected);
    expect(h.callsWith(invalidKey)).toHaveLength(1);
    expect(await h.auditOf(invalid.id)).toHaveLength(1);
  });

  it('a payload that does not match the catalog schema fails without retry', async () => {
    const processor = createKeyTestProcessor({ orm: h.runtime.orm, keyring: h.runtime.keyring, config: h.config, logger: h.runtime.logger });
    await expect(processor({ id: 'bad-1', data: { keyId: 'not-a-uuid' }, attemptsMade: 0, opts: { attempts: 5 } })).rejects.toMatchObject({ name: 'UnrecoverableError' });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
