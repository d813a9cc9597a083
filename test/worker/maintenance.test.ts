import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyring, generateKey, maskKey } from '@byok/crypto';
import { isProviderId, PROVIDERS } from '@byok/providers';
import { QUEUES, type KeyTestJob } from '@byok/queues';
import type { Runtime } from '@byok/runtime';
import { backfillKeyHints, REVALIDATION_SCHEDULER_ID, revalidateKeys, startWorker } from '@byok/worker';
import { fakeKey } from '@byok/mock-providers';
import { sleep, startWorkerHarness, type WorkerHarness } from './support/worker-harness.js';

describe('scheduled re-validation', () => {
  describe('enqueueing (no worker running, so the jobs stay put)', () => {
    let h: WorkerHarness;
    beforeAll(async () => {
      h = await startWorkerHarness('worker_revalidate');
    });
    afterAll(() => h.close());

    it('enqueues one spread-out scheduled test per enabled key, paging by id, and never twice', async () => {
      const enabled = [];
      for (const [i, provider] of (['openai', 'groq', 'anthropic', 'google', 'cohere'] as const).entries()) {
        enabled.push(await h.insertKey({ userId: `reval-${i}`, provider, apiKey: fakeKey(provider, 'valid', `reval-${i}`) }));
      }
      await h.insertKey({ userId: 'reval-off-1', provider: 'openai', apiKey: fakeKey('openai', 'valid', 'off-1'), enabled: false });
      await h.insertKey({ userId: 'reval-off-2', provider: 'together', apiKey: fakeKey('together', 'valid', 'off-2'), enabled: false });

      const deps = { orm: h.runtime.orm, keyTests: h.runtime.producers.keyTests, logger: h.runtime.logger, spreadMs: 60_000, batchSize: 2, runId: 'maintenance:test-run' };
      expect(await revalidateKeys(deps)).toEqual({ enabledKeys: 5, enqueued: 5, skippedUnknownProvider: 0 });

      const jobs = await h.runtime.producers.keyTests.queue.getJobs(['waiting', 'delayed']);
      expect(jobs).toHaveLength(5);
      const byKey = new Map(jobs.map((j) => [(j.data as KeyTestJob).keyId, j]));
      expect([...byKey.keys()].sort()).toEqual(enabled.map((k) => k.id).sort());
      for (const key of enabled) {
        expect(byKey.get(key.id)?.data).toEqual({ keyId: key.id, keyVersion: 1, userId: key.userId, provider: key.provider, reason: 'scheduled', actorId: 'system', requestId: 'maintenance:test-run', testToken: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      }
      // Keys in id order get delays 0, 1/5, 2/5, … of the interval.
      const delays = enabled.map((k) => k.id).sort().map((id) => byKey.get(id)?.opts.delay ?? 0);
      expect(delays).toEqual([0, 12_000, 24_000, 36_000, 48_000]);

      expect(await revalidateKeys(deps)).toMatchObject({ enqueued: 5 });
      expect(await h.runtime.producers.keyTests.queue.getJobs(['waiting', 'delayed'])).toHaveLength(5);
    });
  });

  describe('the job scheduler', () => {
    let h: WorkerHarness;
    beforeAll(async () => {
      h = await startWorkerHarness('worker_schedule', { env: { KEY_REVALIDATE_INTERVAL_MS: '1500' } });
    });
    afterAll(() => h.close());

    it('runs re-validation every interval through the maintenance queue, testing every enabled key', { timeout: 30_000 }, async () => {
      const keys = [];
      for (const [i, provider] of (['openrouter', 'perplexity', 'groq'] as const).entries()) {
        keys.push(await h.insertKey({ userId: `sched-${i}`, provider, apiKey: fakeKey(provider, 'valid', `sched-${i}`) }));
      }
      const disabled = await h.insertKey({ userId: 'sched-off', provider: 'openai', apiKey: fakeKey('openai', 'valid', 'sched-off'), enabled: false });
      const worker = await h.startWorker();
      expect(await h.runtime.producers.maintenance.queue.getJobScheduler(REVALIDATION_SCHEDULER_ID)).toMatchObject({ every: 1500, name: 'revalidate-keys' });

      await waitFor(async () => {
        const tested = await h.db.sql(`SELECT DISTINCT key_id FROM audit_log WHERE action = 'key.tested' AND details->>'reason' = 'scheduled'`);
        return tested.length === keys.length;
      });
      for (const key of keys) {
        expect((await h.keyRow(key.id)).test_status).toBe('valid');
        expect((await h.auditOf(key.id))[0]).toMatchObject({ actor_id: 'system', actor_type: 'system', details: { reason: 'scheduled' } });
      }
      expect(await h.auditOf(disabled.id)).toHaveLength(0);
      await worker.close();

      // An interval of 0 turns the schedule off on the next start.
      const runtimeWithScheduleOff: Runtime = { ...h.runtime, config: { ...h.config, keyRevalidateIntervalMs: 0 } };
      await (await startWorker(runtimeWithScheduleOff)).close();
      expect(await h.runtime.producers.maintenance.queue.getJobScheduler(REVALIDATION_SCHEDULER_ID)).toBeUndefined();
    });
  });
});

const fixture = (name: string) => readFileSync(new URL(`../fixtures/legacy/${name}`, import.meta.url), 'utf8');
const legacy = JSON.parse(fixture('expected.json')) as { encryption_key: string; rows: Array<{ id: string; provider: string; plaintext: string }> };

describe('key hint backfill on the earlier system database', () => {
  const mistralKey = 'mistral-legacy-fake-key-0123456789abcdef';
  const extraIds = { unknownProvider: '00000000-0000-4000-8000-000000000001', undecryptable: '00000000-0000-4000-8000-000000000002' };
  let h: WorkerHarness;
  beforeAll(async () => {
    const legacyToken = createKeyring([legacy.encryption_key]).encrypt(mistralKey);
    const foreignToken = createKeyring([generateKey()]).encrypt(fakeKey('groq', 'valid', 'foreign'));
    h = await startWorkerHarness('worker_backfill', {
      env: { BYOK_ENCRYPTION_KEYS: legacy.encryption_key },
      // One row is encrypted under a key the service does not have, on purpose: boot would refuse it.
      storedKeysCheck: 'warn',
      database: {
        before: [
          fixture('schema.sql'),
          fixture('rows.sql'),
          `INSERT INTO user_provider_keys (id, user_id, provider, api_key_encrypted) VALUES
             ('${extraIds.unknownProvider}', 'legacy-user', 'mistral', '${legacyToken}'),
             ('${extraIds.undecryptable}', 'legacy-user', 'groq', '${foreignToken}')`,
        ],
      },
    });
  });
  afterAll(() => h.close());

  const expectedHints = (): Array<[string, string | null]> => [
    ...legacy.rows.map((r): [string, string | null] => [r.id, maskKey(r.plaintext, isProviderId(r.provider) ? PROVIDERS[r.provider].keyFormat.knownPrefix : '')]),
    [extraIds.unknownProvider, maskKey(mistralKey, '')],
    [extraIds.undecryptable, null],
  ];
  const storedHints = async (): Promise<Array<[string, string | null]>> =>
    (await h.db.sql<{ id: string; key_hint: string | null }>('SELECT id, key_hint FROM user_provider_keys')).map((r) => [r.id, r.key_hint]);

  it('fills the masked hint of every row that decrypts, counting (not failing on) the rest', async () => {
    expect(await h.db.sql('SELECT 1 FROM user_provider_keys WHERE key_hint IS NOT NULL')).toHaveLength(0);
    const result = await backfillKeyHints({ orm: h.runtime.orm, keyring: h.runtime.keyring, logger: h.runtime.logger, batchSize: 2 });
    expect(result).toEqual({ scanned: 7, hinted: 6, undecryptable: 1 });
    expect(new Map(await storedHints())).toEqual(new Map(expectedHints()));
    expect(await backfillKeyHints({ orm: h.runtime.orm, keyring: h.runtime.keyring, logger: h.runtime.logger })).toEqual({ scanned: 1, hinted: 0, undecryptable: 1 });
    const logs = h.logs.join('');
    expect(logs).toContain(extraIds.undecryptable);
    for (const row of legacy.rows) expect(logs).not.toContain(row.plaintext);
  });

  it('runs as the backfill-key-hints maintenance task', async () => {
    await h.db.sql('UPDATE user_provider_keys SET key_hint = NULL');
    await h.startWorker();
    const job = await h.runtime.producers.maintenance.enqueue({ task: 'backfill-key-hints', requestedBy: 'test' });
    const queue = h.runtime.producers.maintenance.queue;
    await waitFor(async () => (await queue.getJobState(job.id)) === 'completed');
    expect((await queue.getJob(job.id))?.returnvalue).toEqual({ scanned: 7, hinted: 6, undecryptable: 1 });
    expect(new Map(await storedHints())).toEqual(new Map(expectedHints()));
  });

  it('re-validation skips rows whose provider this version does not know', async () => {
    const result = await revalidateKeys({ orm: h.runtime.orm, keyTests: h.runtime.producers.keyTests, logger: h.runtime.logger, spreadMs: 0 });
    // Five legacy rows, one disabled; plus the two added above.
    expect(result).toEqual({ enabledKeys: 6, enqueued: 5, skippedUnknownProvider: 1 });
  });

  it('fails a maintenance task this worker has no handler for, without retrying it', async () => {
    const queue = h.runtime.producers.maintenance.queue;
    const job = await h.runtime.producers.maintenance.enqueue({ task: 'prune-usage-events', requestedBy: 'test' });
    await waitFor(async () => (await queue.getJobState(job.id)) === 'failed');
    expect(await queue.getJob(job.id)).toMatchObject({ attemptsMade: 1, failedReason: 'this worker has no handler for maintenance task "prune-usage-events"' });
    expect(QUEUES.maintenance.defaultJobOptions.attempts).toBeGreaterThan(1);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}
