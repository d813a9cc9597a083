import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '@byok/providers';
import { fakeKey, type Scenario } from '@byok/mock-providers';
import { startWorkerHarness, type FinishedJob, type WorkerHarness } from './support/worker-harness.js';

// Provider checks whose success answer lists models; the others (key info, a check endpoint, a
// minimal chat call) prove the key without a list.
const LISTS_MODELS = new Set(['openai-model-list', 'anthropic-model-list', 'bare-model-array', 'gemini-model-list']);
const NO_CREDIT_PROVIDERS: ProviderId[] = ['openrouter', 'openai', 'anthropic'];

describe('key tests against each provider (mock), KEY_TEST_MAX_ATTEMPTS=3', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await startWorkerHarness('worker_providers');
    await h.startWorker();
  });
  afterAll(() => h.close());

  let seq = 0;
  /** Saves a key for the scenario and runs its test job to the end. */
  async function runScenario(provider: ProviderId, scenario: Scenario, jobOptions = {}) {
    seq += 1;
    const apiKey = fakeKey(provider, scenario, `providers-${seq}`);
    const key = await h.insertKey({ userId: `user-${provider}-${scenario}-${seq}`, provider, apiKey });
    const jobId = await h.enqueueTest(key, { jobOptions });
    const job = await h.waitForJob(jobId);
    return { apiKey, key, jobId, job, row: await h.keyRow(key.id), audit: await h.auditOf(key.id), calls: h.callsWith(apiKey) };
  }

  /** #20.9: a key the provider rejected is a test that worked — completed after one run, the verdict its return value. */
  const failedWithoutRetry = (job: FinishedJob) => job.state === 'failed' && job.attemptsMade === 1 && (job.stacktrace[0] ?? '').startsWith('UnrecoverableError: ');
  const completedAfterOneRun = (job: FinishedJob) => job.state === 'completed' && job.attemptsMade <= 1 && job.stacktrace.length === 0;

  describe.concurrent('valid', () => {
    it.each(PROVIDER_IDS)('%s → valid, with the model count where the provider lists models', async (provider) => {
      const { job, row, audit, calls } = await runScenario(provider, 'valid');
      const listsModels = LISTS_MODELS.has(PROVIDERS[provider].validation.success);
      expect(job.state).toBe('completed');
      expect(job.returnvalue).toMatchObject({ status: 'valid', outcome: 'valid', modelsCount: listsModels ? expect.any(Number) : null });
      expect(row.test_status).toBe('valid');
      expect(row.last_tested_at).not.toBeNull();
      const validation = row.metadata.validation as Record<string, unknown>;
      expect(validation).toMatchObject({ outcome: 'valid', http_status: 200, tested_at: expect.any(String) });
      if (listsModels) {
        expect(validation.models_count).toBeGreaterThan(0);
        expect(validation.models).toHaveLength(Math.min(Number(validation.models_count), 500));
      } else {
        expect(validation.models_count).toBeNull();
      }
      expect(calls).toHaveLength(1);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_type: 'user', details: { outcome: 'valid', status: 'valid', reason: 'added', attempt: 1, http_status: 200 } });
    });

    it('openrouter keeps the key limits from the key check in metadata.validation.details', async () => {
      const { row } = await runScenario('openrouter', 'valid');
      expect(row.metadata.validation).toMatchObject({ details: { limit_remaining: null, usage: expect.any(Number) } });
    });
  });

  describe.concurrent('invalid', () => {
    it.each(PROVIDER_IDS)('%s → invalid, a completed job (not a failed one) after one provider call', async (provider) => {
      const { job, row, audit, calls } = await runScenario(provider, 'invalid');
      expect(completedAfterOneRun(job)).toBe(true);
      expect(job.returnvalue).toMatchObject({ status: 'invalid', outcome: 'invalid', message: row.last_test_message });
      expect(row.test_status).toBe('invalid');
      expect(calls).toHaveLength(1);
      expect(audit).toHaveLength(1);
      expect(audit[0]?.details).toMatchObject({ outcome: 'invalid', status: 'invalid', attempt: 1 });
    });
  });

  describe.concurrent('no credit', () => {
    it.each(NO_CREDIT_PROVIDERS)('%s → error "No credit: …", outcome no_credit, a completed job', async (provider) => {
      const { job, row, audit, calls } = await runScenario(provider, 'no_credit');
      expect(completedAfterOneRun(job)).toBe(true);
      expect(job.returnvalue).toMatchObject({ status: 'error', outcome: 'no_credit' });
      expect(row.test_status).toBe('error');
      expect(row.last_test_message).toMatch(/^No credit: /);
      expect(row.metadata.validation).toMatchObject({ outcome: 'no_credit' });
      expect(calls).toHaveLength(1);
      expect(audit).toHaveLength(1);
      expect(audit[0]?.details).toMatchObject({ outcome: 'no_credit', status: 'error' });
    });
  });

  describe.concurrent('rate limited once', () => {
    it.each(PROVIDER_IDS)('%s → retried after the provider retry-after, then valid (2 calls)', async (provider) => {
      const { job, row, audit, calls } = await runScenario(provider, 'rate_limited_once');
      expect(job).toMatchObject({ state: 'completed', attemptsMade: 2, returnvalue: { status: 'valid' } });
      expect(row.test_status).toBe('valid');
      expect(calls).toHaveLength(2);
      // The mock says `retry-after: 1`; the backoff waits at least that long.
      expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
      expect(audit).toHaveLength(1);
      expect(audit[0]?.details).toMatchObject({ outcome: 'valid', attempt: 2 });
    });
  });

  describe.concurrent('unreachable', () => {
    it.each(PROVIDER_IDS)('%s server error → error after the 3 configured attempts, job completed', async (provider) => {
      const { job, row, audit, calls } = await runScenario(provider, 'server_error');
      expect(job).toMatchObject({ state: 'completed', attemptsMade: 3, returnvalue: { status: 'error', outcome: 'unreachable' } });
      expect(row.test_status).toBe('error');
      expect(row.last_test_message).toMatch(/server error|HTTP 5\d\d/);
      expect(calls).toHaveLength(3);
      expect(audit).toHaveLength(1);
      expect(audit[0]?.details).toMatchObject({ outcome: 'unreachable', status: 'error', attempt: 3 });
    });

    it('a job asking for fewer attempts than the config gets fewer provider calls', async () => {
      const { job, calls } = await runScenario('groq', 'server_error', { attempts: 2 });
      expect(job).toMatchObject({ state: 'completed', attemptsMade: 2, returnvalue: { status: 'error' } });
      expect(calls).toHaveLength(2);
    });

    it('a key rate-limited on every call ends as error after 3 attempts, each after the retry-after', async () => {
      const { job, row, calls } = await runScenario('openai', 'rate_limited');
      expect(job).toMatchObject({ state: 'completed', attemptsMade: 3, returnvalue: { status: 'error', outcome: 'rate_limited' } });
      expect(row.last_test_message).toMatch(/rate-limited/);
      expect(calls).toHaveLength(3);
      expect((calls[2]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(2000);
    });

    it('a redirect is never followed and counts as unreachable', async () => {
      const { job, calls } = await runScenario('together', 'redirect');
      expect(job).toMatchObject({ state: 'completed', returnvalue: { status: 'error', outcome: 'unreachable' } });
      expect(calls).toHaveLength(3);
      expect(h.mock.calls({ route: 'redirect-target' })).toHaveLength(0);
    });
  });

  it('a token no configured key opens → error, failed without retry, provider never called', async () => {
    const { createKeyring, generateKey } = await import('@byok/crypto');
    const { upsertProviderKey } = await import('@byok/db');
    const apiKey = fakeKey('openai', 'valid', 'undecryptable');
    const { key } = await upsertProviderKey(h.runtime.orm.em.fork(), {
      userId: 'user-undecryptable',
      provider: 'openai',
      apiKeyEncrypted: createKeyring([generateKey()]).encrypt(apiKey),
      keyHint: 'sk-proj-****…****abcd',
    });
    const job = await h.waitForJob(await h.enqueueTest(key));
    expect(failedWithoutRetry(job)).toBe(true);
    expect(job.failedReason).toMatch(/stored key cannot be decrypted with the configured encryption keys/);
    const row = await h.keyRow(key.id);
    expect(row).toMatchObject({ test_status: 'error', metadata: { validation: { outcome: 'undecryptable' } } });
    expect(h.callsWith(apiKey)).toHaveLength(0);
    expect(await h.auditOf(key.id)).toHaveLength(1);
  });
});
