import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { firstAttemptWaitMs, isFinalFailure, type JobTiming, recordJobMetrics } from './job-timing.js';

const job = (over: Partial<JobTiming> = {}): JobTiming => ({ timestamp: 1_000, processedOn: 1_250, attemptsMade: 0, attemptsStarted: 1, opts: {}, ...over });

describe('firstAttemptWaitMs', () => {
  it('is the time from enqueue to the first attempt, without a requested delay', () => {
    expect(firstAttemptWaitMs(job())).toBe(250);
    expect(firstAttemptWaitMs(job({ processedOn: 5_300, opts: { delay: 4_000 } }))).toBe(300);
  });

  it('is undefined for retries, whose wait is their backoff', () => {
    expect(firstAttemptWaitMs(job({ attemptsMade: 1, attemptsStarted: 2 }))).toBeUndefined();
    expect(firstAttemptWaitMs(job({ attemptsStarted: 2 }))).toBeUndefined();
  });
});

describe('isFinalFailure', () => {
  it('final on the last attempt or an unrecoverable error, not before', () => {
    const unrecoverable = Object.assign(new Error('invalid key'), { name: 'UnrecoverableError' });
    expect(isFinalFailure(job({ attemptsMade: 1, opts: { attempts: 5 } }), new Error('timeout'))).toBe(false);
    expect(isFinalFailure(job({ attemptsMade: 5, opts: { attempts: 5 } }), new Error('timeout'))).toBe(true);
    expect(isFinalFailure(job({ attemptsMade: 1, opts: { attempts: 5 } }), unrecoverable)).toBe(true);
    expect(isFinalFailure(undefined, new Error('lost'))).toBe(true);
  });
});

describe('recordJobMetrics', () => {
  it("records a first attempt's wait and every failure, final or not, under the worker's queue", () => {
    const worker = Object.assign(new EventEmitter(), { name: 'key-tests' });
    const waits: unknown[] = [];
    const failures: unknown[] = [];
    recordJobMetrics(worker, { recordJobWait: (r) => waits.push(r), recordJobFailure: (r) => failures.push(r) });
    worker.emit('active', job());
    worker.emit('active', job({ attemptsMade: 1, attemptsStarted: 2 }));
    worker.emit('failed', job({ attemptsMade: 1, opts: { attempts: 3 } }), new Error('timeout'));
    worker.emit('failed', job({ attemptsMade: 3, opts: { attempts: 3 } }), new Error('timeout'));
    expect(waits).toEqual([{ queue: 'key-tests', waitMs: 250 }]);
    expect(failures).toEqual([
      { queue: 'key-tests', final: false },
      { queue: 'key-tests', final: true },
    ]);
  });
});
