import { describe, expect, it } from 'vitest';
import type { KeyCheck, KeyTestOutcome } from './key-test.check.js';
import { changesRouting, completedResult, failsTheJob, MAX_STORED_MODELS, messageForCheck, readRecordedTest, statusForOutcome, validationMetadata } from './key-test.verdict.js';

describe('outcome mapping', () => {
  it.each<[KeyTestOutcome, string, boolean]>([
    ['valid', 'valid', false],
    ['invalid', 'invalid', false],
    ['no_credit', 'error', false],
    ['rate_limited', 'error', false],
    ['unreachable', 'error', false],
    ['undecryptable', 'error', true],
  ])('%s → status %s (fails the job %s)', (outcome, status, fails) => {
    expect(statusForOutcome(outcome)).toBe(status);
    expect(failsTheJob(outcome)).toBe(fails);
  });

  it('prefixes a no-credit message so people and routing can tell it from an outage', () => {
    expect(messageForCheck({ outcome: 'no_credit', message: 'OpenAI accepted the key but it has no credit left.', latencyMs: 1 })).toBe(
      'No credit: OpenAI accepted the key but it has no credit left.',
    );
  });

  it('caps the stored model list and keeps the real count', () => {
    const models = Array.from({ length: MAX_STORED_MODELS + 20 }, (_, i) => `model-${i}`);
    const check: KeyCheck = { outcome: 'valid', message: 'ok', latencyMs: 5, httpStatus: 200, models, details: { limit: 10 } };
    const meta = validationMetadata(check, new Date('2026-01-01T00:00:00Z'));
    expect(meta).toMatchObject({ outcome: 'valid', models_count: MAX_STORED_MODELS + 20, models_truncated: true, details: { limit: 10 }, http_status: 200, tested_at: '2026-01-01T00:00:00.000Z' });
    expect(meta.models).toHaveLength(MAX_STORED_MODELS);
  });

  it('says "no list" rather than zero models when the provider lists none', () => {
    expect(validationMetadata({ outcome: 'valid', message: 'ok', latencyMs: 5 }, new Date())).toMatchObject({ models: null, models_count: null });
  });
});

describe('job result', () => {
  it('carries the verdict a written check returns, without the model list', () => {
    expect(completedResult({ outcome: 'no_credit', message: 'empty', latencyMs: 7, models: ['a', 'b'] })).toEqual({ status: 'error', outcome: 'no_credit', message: 'No credit: empty', latencyMs: 7, modelsCount: 2 });
  });

  it('reads back what an earlier run recorded, checking every field of the untyped details', () => {
    expect(readRecordedTest({ outcome: 'invalid', status: 'invalid', latency_ms: 12, models_count: 3 })).toEqual({ outcome: 'invalid', status: 'invalid', latencyMs: 12, modelsCount: 3 });
    expect(readRecordedTest({ outcome: 'bogus', status: 42, latency_ms: '12' })).toEqual({ outcome: 'unreachable', status: 'error', latencyMs: 0, modelsCount: null });
  });
});

describe('changesRouting', () => {
  it('announces a key turning invalid or running out of credit, not one confirmed valid', () => {
    expect(changesRouting({ testStatus: 'testing', validationOutcome: null }, { testStatus: 'invalid', validationOutcome: 'invalid' })).toBe(true);
    expect(changesRouting({ testStatus: 'valid', validationOutcome: 'valid' }, { testStatus: 'error', validationOutcome: 'no_credit' })).toBe(true);
    expect(changesRouting({ testStatus: 'testing', validationOutcome: null }, { testStatus: 'valid', validationOutcome: 'valid' })).toBe(false);
  });

  it('announces an invalid key put back in use by a manual re-test, not a transient error', () => {
    expect(changesRouting({ testStatus: 'invalid', validationOutcome: 'invalid' }, { testStatus: 'testing', validationOutcome: 'invalid' })).toBe(true);
    expect(changesRouting({ testStatus: 'valid', validationOutcome: 'valid' }, { testStatus: 'error', validationOutcome: 'unreachable' })).toBe(false);
  });
});
