import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyTestProcessor } from '@byok/worker';
import { fakeKey } from '@byok/mock-providers';
import { startSecurityHarness, type SecurityHarness } from '../security/support/security-harness.js';

/**
 * A replacement's test job run twice (a worker killed after it settled the candidate, before
 * BullMQ heard of it): the second run answers the same without a provider call and writes
 * nothing more, so the waiting save and the audit trail see one verdict.
 */
describe('test_first: a redelivered candidate job', () => {
  let h: SecurityHarness;
  let carol: Record<string, string>;
  beforeAll(async () => {
    // No worker: the test runs the processor by hand, twice, on the job the API queued.
    h = await startSecurityHarness('test_first_redelivery', { env: { KEY_TEST_WAIT_MS: '0' } });
    carol = await h.bearer('carol');
    await h.api.db.sql(
      `INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, key_hint, test_status) VALUES ('carol', 'openai', $1, 'sk-****', 'valid')`,
      [h.api.runtime.keyring.encrypt(fakeKey('openai', 'valid', 'carol-current'))],
    );
  }, 60_000);
  afterAll(() => h?.close());

  /** Stages a replacement through the API (no worker runs) and hands back its job and a processor to run it by hand. */
  async function stageReplacement(apiKey: string) {
    const staged = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys?test_first=true', headers: carol, payload: { provider: 'openai', api_key: apiKey } });
    expect(staged.statusCode, staged.body).toBe(202);
    const [job] = await h.api.runtime.producers.keyTests.queue.getJobs(['waiting']);
    expect(job?.data).toMatchObject({ reason: 'candidate', userId: 'carol' });
    const processor = createKeyTestProcessor({ orm: h.api.runtime.orm, keyring: h.api.runtime.keyring, config: h.api.config, logger: h.api.runtime.logger });
    return { processor, jobLike: { id: job?.id, data: job?.data, attemptsMade: 0, opts: { attempts: 5 } } };
  }

  it('answers the same verdict without a second provider call or audit record', async () => {
    const { processor, jobLike } = await stageReplacement(fakeKey('openai', 'invalid', 'carol-next'));

    h.mock.resetCalls();
    const first = await processor(jobLike);
    const second = await processor(jobLike);
    expect(first).toMatchObject({ replaced: false, outcome: 'invalid', message: expect.stringMatching(/^OpenAI rejected the key/) });
    expect(second).toEqual(first);
    expect(h.mock.calls({ provider: 'openai' })).toHaveLength(1);
    expect(await h.api.db.sql("SELECT count(*)::int AS n FROM audit_log WHERE subject_user_id = 'carol' AND action = 'key.replacement_refused'")).toEqual([{ n: 1 }]);
    expect(await h.api.db.sql("SELECT key_hint, candidate_encrypted FROM user_provider_keys WHERE user_id = 'carol'")).toEqual([{ key_hint: 'sk-****', candidate_encrypted: null }]);
  });

  // The API queues the job inside the transaction that stages the candidate; a worker that picks
  // it up before that commits must wait for it, not report the candidate gone (seen as a 409
  // "changed by another save" on a loaded machine).
  it('waits for a candidate whose staging transaction has not committed yet, then tests it', async () => {
    const { processor, jobLike } = await stageReplacement(fakeKey('openai', 'valid', 'carol-later'));
    // As the worker sees the row before the staging commit: the key at the job's version, no candidate.
    const token = (await h.api.db.sql<{ t: string }>("SELECT candidate_encrypted AS t FROM user_provider_keys WHERE user_id = 'carol'"))[0]?.t;
    await h.api.db.sql("UPDATE user_provider_keys SET candidate_encrypted = NULL WHERE user_id = 'carol'");
    await expect(processor(jobLike)).rejects.toThrow(/not visible yet/);
    await h.api.db.sql("UPDATE user_provider_keys SET candidate_encrypted = $1 WHERE user_id = 'carol'", [token]);
    expect(await processor({ ...jobLike, attemptsMade: 1 })).toMatchObject({ replaced: true, outcome: 'valid' });
  });
});
