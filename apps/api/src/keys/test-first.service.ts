import { randomUUID } from 'node:crypto';
import type { Keyring } from '@byok/crypto';
import { isStoredKeyring } from '@byok/crypto';
import { findKeyRowId, findUserKey, stageKeyCandidate, type EntityManager, type ProviderKey } from '@byok/db';
import { AppError } from '@byok/http';
import { PROVIDERS } from '@byok/providers';
import type { Producers } from '@byok/queues';
import type { KeyTestJobWaiter } from './job-wait.js';
import type { PreparedKey } from './key-input.js';
import type { Actor } from '../http/actor.js';

/** A candidate whose test has not settled after this long is taken as abandoned and may be replaced. */
const CANDIDATE_ABANDONED_AFTER_MS = 10 * 60_000;

export interface TestFirstDependencies {
  keyring: Keyring;
  producers: Producers;
  keyTestJobs: KeyTestJobWaiter;
}

/** `replaced`: the new key passed and is the key now. `testing`: the wait ran out; the current key stays until the test settles. */
export type TestFirstOutcome = { state: 'replaced' | 'testing'; key: ProviderKey };

/**
 * Replacement with test before save (`POST /keys?test_first=true`): the new key is stored as a
 * candidate beside the current one (encrypted, never in a job payload), and a key-test job tests
 * it; the worker swaps it in only when the provider accepts it, in the same transaction as the
 * audit record. The current key keeps routing meanwhile, and stays exactly as it was if the new
 * one fails. Returns null when there is no current key (nothing to protect: the caller saves it
 * as usual).
 */
export function createTestFirstSave(deps: TestFirstDependencies) {
  const keyring = isStoredKeyring(deps.keyring) ? deps.keyring : null;
  return async function saveTestedFirst(em: EntityManager, actor: Actor, key: PreparedKey): Promise<TestFirstOutcome | null> {
    const name = PROVIDERS[key.provider].displayName;
    const staged = await em.transactional(async (tx) => {
      const id = (await findKeyRowId(tx, key.userId, key.provider)) ?? randomUUID();
      const binding = keyring?.bind({ id, userId: key.userId, provider: key.provider }, key.token) ?? null;
      const stage = await stageKeyCandidate(tx, { id, ...key, binding, abandonedAfterMs: CANDIDATE_ABANDONED_AFTER_MS });
      if (stage.outcome !== 'staged') return stage;
      // Inside the transaction: if Redis refuses the job, the candidate is not left behind untested.
      const job = await deps.producers.keyTests.enqueue({
        keyId: id,
        keyVersion: stage.keyVersion,
        userId: key.userId,
        provider: key.provider,
        reason: 'candidate',
        actorId: actor.actorId,
        ...(actor.requestId ? { requestId: actor.requestId } : {}),
      });
      return { outcome: 'staged' as const, jobId: job.id };
    });
    if (staged.outcome !== 'staged') {
      if (staged.outcome === 'missing') return null;
      throw new AppError('conflict', `A replacement for your ${name} key is already being tested; wait for its result, then try again.`);
    }
    const waited = await deps.keyTestJobs.wait(staged.jobId);
    const current = async (): Promise<ProviderKey> => {
      const row = await findUserKey(em.fork(), key.userId, key.provider);
      if (!row) throw new AppError('conflict', `Your ${name} key was deleted while its replacement was tested; nothing was saved.`);
      return row;
    };
    if (waited.state === 'pending') return { state: 'testing', key: await current() };
    if (waited.state === 'failed') throw new Error(`key candidate test job failed: ${waited.reason}`);
    const verdict = readVerdict(waited.value);
    if (verdict === null) {
      throw new AppError('conflict', `Your ${name} key was changed by another save while the replacement was tested; the replacement was not saved.`);
    }
    // The provider's verdict, once: it already names the provider ("OpenAI rejected the key (401 …).").
    if (!verdict.replaced) throw new AppError('key_test_failed', verdict.message);
    return { state: 'replaced', key: await current() };
  };
}

/** The candidate job's return value (see apps/worker's KeyTestCandidateResult); null for a skipped job. */
function readVerdict(value: unknown): { replaced: boolean; message: string } | null {
  if (typeof value !== 'object' || value === null || !('replaced' in value)) return null;
  const { replaced, message } = value as { replaced: unknown; message?: unknown };
  return { replaced: replaced === true, message: typeof message === 'string' && message !== '' ? message : 'The provider did not accept the key.' };
}
