import { describe, expect, it } from 'vitest';
import { attemptBudget } from './attempt-budget.js';
import type { KeyCheck, KeyTestOutcome } from './key-check.js';
import { isTransientOutcome, failsTheJob, MAX_STORED_MODELS, messageForCheck, statusForOutcome, validationMetadata } from './key-test.outcome.js';

describe('outcome mapping', () => {
  it.each<[KeyTestOutcome, string, boolean, boolean]>([
    ['valid', 'valid', false, false],
    ['invalid', 'invalid', false, false],
    ['no_credit', 'error', false, false],
    ['rate_limited', 'error', true, false],
    ['unreachable', 'error', true, false],
    ['undecryptable', 'error', false, true],
  ])('%s → status %s (transient %s, fails the job %s)', (outcome, status, transient, fails) => {
    expect(statusForOutcome(outcome)).toBe(status);
    expect(isTransientOutcome(outcome)).toBe(transient);
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

describe('attempt budget', () => {
  it('bounds provider calls by the smaller of the job attempts and the configured maximum', () => {
    expect(attemptBudget({ attemptsMade: 0, opts: { attempts: 5 } }, 3)).toEqual({ attempt: 1, runLimit: 5, providerLimit: 3 });
    expect(attemptBudget({ attemptsMade: 1, opts: { attempts: 2 } }, 5)).toEqual({ attempt: 2, runLimit: 2, providerLimit: 2 });
    expect(attemptBudget({ attemptsMade: 0, opts: {} }, 5)).toEqual({ attempt: 1, runLimit: 1, providerLimit: 1 });
  });
});
