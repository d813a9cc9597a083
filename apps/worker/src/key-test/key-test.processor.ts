import type { Config } from '@byok/config';
import type { Keyring } from '@byok/crypto';
import { findKeyById, markKeyTesting, type EntityManager, type Orm, type ProviderKey } from '@byok/db';
import type { KeyTestJob } from '@byok/queues';
import type { GatewayMetrics, Logger } from '@byok/telemetry';
import { UnrecoverableError, type Job } from 'bullmq';
import { RetryableJobError } from '../retry/retryable-error.js';
import { attemptBudget, type AttemptBudget } from './attempt-budget.js';
import type { KeyCheck } from './key-check.js';
import { isTransientOutcome, isUnusableOutcome, messageForCheck, modelsCountOf, statusForOutcome } from './key-test.outcome.js';
import { parseKeyTestPayload } from './key-test.payload.js';
import type { KeyTestCompleted, KeyTestJobResult } from './key-test.result.js';
import { findRecordedTest, keyTestIdempotencyKey, recordTest, type RecordedTest } from './key-test.store.js';
import { runKeyCheck } from './run-key-check.js';

/** What the key-test processor needs from outside. */
export interface KeyTestProcessorDependencies {
  orm: Orm;
  keyring: Keyring;
  config: Pick<Config, 'providers' | 'providerTimeoutMs' | 'keyTestMaxAttempts'>;
  logger: Logger;
  /** Counts one outcome per job that wrote a result (replays and skips are counted as such). */
  metrics?: Pick<GatewayMetrics, 'recordKeyTest'>;
}

/** The part of a BullMQ job the processor reads, so tests can run it without a queue. */
export type KeyTestJobLike = Pick<Job<unknown>, 'id' | 'data' | 'attemptsMade' | 'opts'>;

export type KeyTestProcessor = (job: KeyTestJobLike) => Promise<KeyTestJobResult>;

/**
 * The base delay of the "not yet visible" retry. The API enqueues a key's test inside the save
 * transaction, so the job can arrive a moment before the row's new version is committed; waits of
 * 0.25–0.5 s, 0.5–1 s, 1–2 s, … are far longer than a commit takes.
 */
const NOT_VISIBLE_BASE_DELAY_MS = 500;

/**
 * Reasons that show `testing` on the key while the check runs: someone is waiting for this answer
 * (a person's manual test, or the proxy after the provider rejected the key). A new key is already
 * `testing` (the API sets it on save). A scheduled re-test leaves the last verdict in place until it
 * has a new one, so routing keeps skipping a known-invalid key and the page does not flicker.
 */
const MARKS_TESTING: ReadonlySet<KeyTestJob['reason']> = new Set(['manual', 'rejected_upstream']);

/** Per-run state passed between the steps below. */
interface Run {
  payload: KeyTestJob;
  jobId: string;
  budget: AttemptBudget;
  em: EntityManager;
  log: Logger;
  metrics: Pick<GatewayMetrics, 'recordKeyTest'> | undefined;
}

/**
 * Tests one stored key per job: load the row, check its version, decrypt, call the provider, and
 * write the status and one audit record in one transaction. See the worker README for the
 * invariants (ids only in payloads, one status write and one audit record per job, compare-and-set
 * on the key version) and the retry policy.
 */
export function createKeyTestProcessor(deps: KeyTestProcessorDependencies): KeyTestProcessor {
  return async function processKeyTest(job) {
    const payload = parseKeyTestPayload(job.data);
    const jobId = job.id;
    if (jobId === undefined || jobId === '') throw new UnrecoverableError('key-test job has no id');
    const budget = attemptBudget(job, deps.config.keyTestMaxAttempts);
    const log = deps.logger.child({ jobId, keyId: payload.keyId, provider: payload.provider, attempt: budget.attempt });
    const run: Run = { payload, jobId, budget, em: deps.orm.em.fork(), log, metrics: deps.metrics };

    const row = await findKeyById(run.em, payload.keyId);
    if (row === null || row.keyVersion < payload.keyVersion) return notVisibleYet(run);
    if (row.keyVersion > payload.keyVersion) return skip(run, 'stale');
    if (row.userId !== payload.userId || row.provider !== payload.provider) {
      throw new UnrecoverableError('key-test job does not match the stored key (user or provider differs)');
    }

    const idempotencyKey = keyTestIdempotencyKey(payload.keyId, jobId);
    const recorded = await findRecordedTest(run.em, idempotencyKey);
    if (recorded !== null) return replay(run, recorded, row);
    if (MARKS_TESTING.has(payload.reason) && !(await markKeyTesting(run.em, payload.keyId, payload.keyVersion))) return skip(run, 'stale');

    const check = await runKeyCheck(deps, payload.provider, { id: row.id, userId: row.userId, provider: row.provider, token: row.apiKeyEncrypted, bindingTag: row.bindingTag ?? null });
    if (isTransientOutcome(check.outcome) && budget.attempt < budget.providerLimit) {
      log.info({ outcome: check.outcome, latencyMs: check.latencyMs, retryAfterMs: check.retryAfterMs }, 'key test transient outcome; will retry');
      throw new RetryableJobError(check.message, check.retryAfterMs === undefined ? {} : { retryAfterMs: check.retryAfterMs });
    }
    return finish(run, check, idempotencyKey);
  };
}

/** The row is missing or older than the job: retry until the save commits, or end quietly. */
function notVisibleYet(run: Run): KeyTestJobResult {
  if (run.budget.attempt >= run.budget.runLimit) {
    run.log.info('key never became visible at the job version (save rolled back or key deleted); nothing written');
    run.metrics?.recordKeyTest({ provider: run.payload.provider, outcome: 'skipped' });
    return { skipped: 'not_visible' };
  }
  throw new RetryableJobError('key version not visible yet (its save may not have committed)', { baseDelayMs: NOT_VISIBLE_BASE_DELAY_MS });
}

function skip(run: Run, reason: 'stale' | 'changed'): KeyTestJobResult {
  run.log.info({ skipped: reason }, 'key changed since the job was enqueued; nothing written');
  run.metrics?.recordKeyTest({ provider: run.payload.provider, outcome: 'skipped' });
  return { skipped: reason };
}

/** Writes the result and ends the job: completed, or failed without retry when the key is unusable. */
async function finish(run: Run, check: KeyCheck, idempotencyKey: string): Promise<KeyTestJobResult> {
  const written = await recordTest(run.em, { payload: run.payload, check, attempt: run.budget.attempt, idempotencyKey, testedAt: new Date() });
  if (written === 'changed') return skip(run, 'changed');
  const result: KeyTestCompleted = {
    status: statusForOutcome(check.outcome),
    outcome: check.outcome,
    message: messageForCheck(check),
    latencyMs: check.latencyMs,
    modelsCount: modelsCountOf(check),
  };
  run.log.info({ outcome: result.outcome, status: result.status, latencyMs: result.latencyMs, duplicate: written === 'already_recorded' }, 'key tested');
  if (written !== 'already_recorded') run.metrics?.recordKeyTest({ provider: run.payload.provider, outcome: result.outcome });
  return endWith(result);
}

/**
 * An earlier run of this job wrote its result and then died before BullMQ heard of it (a killed
 * worker): end the same way without calling the provider again.
 */
function replay(run: Run, recorded: RecordedTest, row: ProviderKey): KeyTestJobResult {
  run.log.info({ outcome: recorded.outcome }, 'key test already recorded by an earlier run of this job');
  return endWith({ ...recorded, message: row.lastTestMessage ?? '' });
}

function endWith(result: KeyTestCompleted): KeyTestCompleted {
  if (isUnusableOutcome(result.outcome)) throw new UnrecoverableError(result.message);
  return result;
}
