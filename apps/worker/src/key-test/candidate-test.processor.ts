import { appendAudit, dropKeyCandidate, findAuditDetailsByIdempotencyKey, loadKeyCandidate, swapInKeyCandidate, type EntityManager } from '@byok/db';
import type { KeyTestJob } from '@byok/queues';
import type { ProviderId } from '@byok/providers';
import { type AttemptBudget, notVisibleRetry, transientRetry } from '../retry/retry-policy.js';
import type { AnnounceKeyChange, AnnounceKeyReplaced } from './key-change-announcer.js';
import { type KeyCheck, type KeyCheckDependencies, runKeyCheck } from './key-test.check.js';
import { completedResult, type KeyTestCandidateResult, type KeyTestJobResult, messageForCheck, modelsCountOf, readRecordedTest, statusForOutcome, validationMetadata } from './key-test.verdict.js';

/** Audit actions of a replacement tested before it was saved (`test_first`). */
export const CANDIDATE_ACTIONS = { replaced: 'key.replaced', refused: 'key.replacement_refused' } as const;

export interface CandidateTestDependencies extends KeyCheckDependencies {
  /** A fresh entity manager for this job's statements. */
  em: () => EntityManager;
  announceKeyChange?: AnnounceKeyChange;
  announceKeyReplaced?: AnnounceKeyReplaced;
  info: (fields: Record<string, unknown>, message: string) => void;
}

/**
 * Tests a replacement key staged beside the current one (`POST /keys?test_first=true`) and settles
 * it in one transaction with its audit record: a pass swaps it in (new key version, status
 * `valid`), anything else drops it and leaves the current key exactly as it was. The job always
 * completes (a refused candidate is an answer, not a failed job); its return value carries the
 * provider's verdict for the API, which shows it to the person waiting. No key material in it.
 */
export async function processCandidateTest(deps: CandidateTestDependencies, payload: KeyTestJob, jobId: string, budget: AttemptBudget): Promise<KeyTestJobResult> {
  // Independent of BullMQ's job ids, which restart after Redis loses its data (as for key tests).
  const idempotencyKey = `key-candidate:${payload.keyId}:v${payload.keyVersion}:${payload.testToken ?? jobId}`;
  const recorded = await findAuditDetailsByIdempotencyKey(deps.em(), idempotencyKey);
  if (recorded !== null) return replayed(recorded);
  const lookup = await loadKeyCandidate(deps.em(), payload.keyId, payload.keyVersion);
  if (lookup.state === 'not_visible') {
    // The API queues this job inside the transaction that stages the candidate: wait for it to commit.
    const retry = notVisibleRetry('key candidate', budget);
    if (retry !== undefined) throw retry;
    deps.info({ skipped: 'not_visible' }, 'key candidate never became visible (its save rolled back); nothing tested');
    return { skipped: 'not_visible' };
  }
  const candidate = lookup.state === 'ready' ? lookup.candidate : null;
  if (candidate === null || candidate.userId !== payload.userId || candidate.provider !== payload.provider) {
    deps.info({ skipped: 'stale' }, 'key candidate gone (a save or another replacement came first); nothing tested');
    return { skipped: 'stale' };
  }
  const check = await runKeyCheck(deps, payload.provider as ProviderId, { id: candidate.id, userId: candidate.userId, provider: candidate.provider, token: candidate.token, bindingTag: candidate.bindingTag });
  const retry = transientRetry(check, budget);
  if (retry !== undefined) throw retry;
  const replaced = await settle(deps, payload, { token: candidate.token, keyHint: candidate.keyHint, idempotencyKey }, check);
  deps.info({ outcome: check.outcome, replaced }, 'key candidate tested');
  if (replaced) {
    await deps.announceKeyReplaced?.(payload.keyId);
    await deps.announceKeyChange?.(payload.userId);
  }
  return { ...completedResult(check), replaced };
}

async function settle(deps: CandidateTestDependencies, payload: KeyTestJob, candidate: { token: string; keyHint: string | null; idempotencyKey: string }, check: KeyCheck): Promise<boolean> {
  const passed = check.outcome === 'valid';
  return deps.em().transactional(async (tx) => {
    const swapped = passed
      ? await swapInKeyCandidate(tx, {
          keyId: payload.keyId,
          keyVersion: payload.keyVersion,
          token: candidate.token,
          message: messageForCheck(check),
          latencyMs: check.latencyMs,
          validation: validationMetadata(check, new Date()),
        })
      : null;
    if (!passed) await dropKeyCandidate(tx, payload.keyId, candidate.token);
    await appendAudit(tx, {
      actorId: payload.actorId,
      actorType: 'user',
      action: swapped !== null ? CANDIDATE_ACTIONS.replaced : CANDIDATE_ACTIONS.refused,
      subjectUserId: payload.userId,
      provider: payload.provider,
      keyId: payload.keyId,
      requestId: payload.requestId ?? null,
      details: {
        test_first: true,
        masked_key: candidate.keyHint,
        key_version: swapped?.keyVersion ?? payload.keyVersion,
        outcome: check.outcome,
        status: statusForOutcome(check.outcome),
        message: messageForCheck(check),
        latency_ms: check.latencyMs,
        models_count: modelsCountOf(check),
      },
      idempotencyKey: candidate.idempotencyKey,
    });
    return swapped !== null;
  });
}

/** An earlier run of this job settled the candidate and died before BullMQ heard of it: answer the same. */
function replayed(recorded: { action: string; details: Record<string, unknown> }): KeyTestCandidateResult {
  const test = readRecordedTest(recorded.details);
  const message = typeof recorded.details.message === 'string' ? recorded.details.message : '';
  return { ...test, message, replaced: recorded.action === CANDIDATE_ACTIONS.replaced };
}
