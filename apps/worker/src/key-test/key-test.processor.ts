import type { Config } from '@byok/config';
import type { Keyring } from '@byok/crypto';
import type { KeyUnderTest, Orm } from '@byok/db';
import type { GatewayMetrics, Logger } from '@byok/telemetry';
import { type KeyTestJob, QUEUES } from '@byok/queues';
import { type Job, UnrecoverableError } from 'bullmq';
import { Compile } from 'typebox/compile';
import { type AttemptBudget, attemptBudget, notVisibleRetry, transientRetry } from '../retry/retry-policy.js';
import { processCandidateTest } from './candidate-test.processor.js';
import type { AnnounceKeyChange, AnnounceKeyReplaced } from './key-change-announcer.js';
import { type KeyCheck, runKeyCheck } from './key-test.check.js';
import { changesRouting, completedResult, failsTheJob, type KeyTestCompleted, type KeyTestJobResult, readRecordedTest, type RoutingView } from './key-test.verdict.js';
import { createKeyTestStatements, type KeyTestStatements, keyTestIdempotencyKey, recordTest } from './key-test.write.js';

/** What the key-test processor needs from outside. */
export interface KeyTestProcessorDependencies {
  orm: Orm;
  keyring: Keyring;
  config: Pick<Config, 'providers' | 'providerTimeoutMs' | 'keyTestMaxAttempts'>;
  logger: Logger;
  /** Counts one outcome per job that wrote a result (replays and skips are counted as such). */
  metrics?: Pick<GatewayMetrics, 'recordKeyTest'>;
  /**
   * Tells proxies a user's routes changed, when a test changes how routing treats a key (see
   * `changesRouting`). Omitted: nothing is announced (tests that run the processor alone).
   */
  announceKeyChange?: AnnounceKeyChange;
  /** Clears the health of a key a `test_first` replacement swapped in (see `createKeyReplacedAnnouncer`). */
  announceKeyReplaced?: AnnounceKeyReplaced;
}

/** The part of a BullMQ job the processor reads, so tests can run it without a queue. */
export type KeyTestJobLike = Pick<Job<unknown>, 'id' | 'data' | 'attemptsMade' | 'opts'>;

export type KeyTestProcessor = (job: KeyTestJobLike) => Promise<KeyTestJobResult>;

/**
 * The catalog schema compiled once: interpreted checks were 2 % of the worker's CPU at a thousand
 * jobs per second. Stateless, so one validator serves every job.
 */
const keyTestJobValidator = Compile(QUEUES.keyTests.schema);

/**
 * The job's payload, checked against the catalog schema: Redis hands back untyped JSON, and a
 * payload that does not match will not match on a retry either.
 */
function parseKeyTestPayload(data: unknown): KeyTestJob {
  if (keyTestJobValidator.Check(data)) return data as KeyTestJob;
  const first = keyTestJobValidator.Errors(data)[0];
  throw new UnrecoverableError(`key-test payload does not match its schema at ${first?.instancePath || '/'}`);
}

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
  record: KeyTestStatements['record'];
  /** Logs at info with the job's bindings (a pino child per job cost more than the line itself). */
  info: (fields: Record<string, unknown>, message: string) => void;
  metrics: Pick<GatewayMetrics, 'recordKeyTest'> | undefined;
  announce: AnnounceKeyChange | undefined;
}

/**
 * Tests one stored key per job: load the row, check its version, decrypt, call the provider, and
 * write the status and one audit record in one statement (each statement shared with the other
 * jobs in flight, see `createKeyTestStatements`). See the worker README for the invariants (ids
 * only in payloads, one status write and one audit record per job, compare-and-set on the key
 * version) and `retry/retry-policy.ts` for the retries.
 */
export function createKeyTestProcessor(deps: KeyTestProcessorDependencies): KeyTestProcessor {
  const statements = createKeyTestStatements(deps.orm, deps.logger);
  return async function processKeyTest(job) {
    const payload = parseKeyTestPayload(job.data);
    const jobId = job.id;
    if (jobId === undefined || jobId === '') throw new UnrecoverableError('key-test job has no id');
    const budget = attemptBudget(job, deps.config.keyTestMaxAttempts);
    const bindings = { jobId, keyId: payload.keyId, provider: payload.provider, attempt: budget.attempt };
    const info = (fields: Record<string, unknown>, message: string): void => deps.logger.info({ ...bindings, ...fields }, message);
    const run: Run = { payload, jobId, budget, record: statements.record, info, metrics: deps.metrics, announce: deps.announceKeyChange };
    // A replacement tested before it is saved: its own, unbatched path (rare, and a person waits for it).
    if (payload.reason === 'candidate') {
      const announce = {
        ...(deps.announceKeyChange === undefined ? {} : { announceKeyChange: deps.announceKeyChange }),
        ...(deps.announceKeyReplaced === undefined ? {} : { announceKeyReplaced: deps.announceKeyReplaced }),
      };
      return processCandidateTest({ keyring: deps.keyring, config: deps.config, em: () => deps.orm.em.fork(), info, ...announce }, payload, jobId, budget);
    }

    const idempotencyKey = keyTestIdempotencyKey(payload, jobId);
    const key = await statements.load({ ...payload, idempotencyKey, markTesting: MARKS_TESTING.has(payload.reason) });
    if (key === null || key.keyVersion < payload.keyVersion) return notVisibleYet(run);
    if (key.keyVersion > payload.keyVersion) return skip(run, 'stale');
    if (key.userId !== payload.userId || key.provider !== payload.provider) {
      throw new UnrecoverableError('key-test job does not match the stored key (user or provider differs)');
    }
    if (key.recorded !== null) return replay(run, key);
    // `invalid` → `testing` makes the key routable again while it is tested.
    if (key.markedTesting) await announceIfRoutingChanged(run, key, { testStatus: 'testing', validationOutcome: key.validationOutcome });

    const check = await runKeyCheck(deps, payload.provider, { id: key.id, userId: key.userId, provider: key.provider, token: key.apiKeyEncrypted, bindingTag: key.bindingTag });
    const retry = transientRetry(check, budget);
    if (retry !== undefined) {
      info({ outcome: check.outcome, latencyMs: check.latencyMs, retryAfterMs: check.retryAfterMs }, 'key test transient outcome; will retry');
      throw retry;
    }
    return finish(run, key, check, idempotencyKey);
  };
}

async function announceIfRoutingChanged(run: Run, before: RoutingView, after: RoutingView): Promise<void> {
  if (run.announce !== undefined && changesRouting(before, after)) await run.announce(run.payload.userId);
}

/** The row is missing or older than the job: retry until the save commits, or end quietly. */
function notVisibleYet(run: Run): KeyTestJobResult {
  const retry = notVisibleRetry('key version', run.budget);
  if (retry !== undefined) throw retry;
  run.info({}, 'key never became visible at the job version (save rolled back or key deleted); nothing written');
  run.metrics?.recordKeyTest({ provider: run.payload.provider, outcome: 'skipped' });
  return { skipped: 'not_visible' };
}

function skip(run: Run, reason: 'stale' | 'changed'): KeyTestJobResult {
  run.info({ skipped: reason }, 'key changed since the job was enqueued; nothing written');
  run.metrics?.recordKeyTest({ provider: run.payload.provider, outcome: 'skipped' });
  return { skipped: reason };
}

/** Writes the result and ends the job: completed with the verdict, or failed without retry when the token cannot be opened. */
async function finish(run: Run, key: KeyUnderTest, check: KeyCheck, idempotencyKey: string): Promise<KeyTestJobResult> {
  const written = await recordTest(run.record, { payload: run.payload, key, check, attempt: run.budget.attempt, idempotencyKey, testedAt: new Date() });
  if (!written.written && written.reason === 'changed') return skip(run, 'changed');
  const result = completedResult(check);
  run.info({ outcome: result.outcome, status: result.status, latencyMs: result.latencyMs, duplicate: !written.written }, 'key tested');
  if (written.written) {
    run.metrics?.recordKeyTest({ provider: run.payload.provider, outcome: result.outcome });
    await announceIfRoutingChanged(run, written.before, { testStatus: result.status, validationOutcome: result.outcome });
  }
  return endWith(result);
}

/**
 * An earlier run of this job wrote its result and then died before BullMQ heard of it (a killed
 * worker): end the same way without calling the provider again. That run may also have died
 * before announcing the change, and what it changed is no longer known, so the replay announces
 * unconditionally: a needless announcement only makes proxies reload one user's keys.
 */
async function replay(run: Run, key: KeyUnderTest): Promise<KeyTestJobResult> {
  const recorded = readRecordedTest(key.recorded ?? {});
  run.info({ outcome: recorded.outcome }, 'key test already recorded by an earlier run of this job');
  await run.announce?.(run.payload.userId);
  return endWith({ ...recorded, message: key.lastTestMessage ?? '' });
}

function endWith(result: KeyTestCompleted): KeyTestCompleted {
  if (failsTheJob(result.outcome)) throw new UnrecoverableError(result.message);
  return result;
}
