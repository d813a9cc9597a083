import { describe, expect, it } from 'vitest';
import { DEFAULT_SHUTDOWN_GRACE_MS, readWorkerEnv } from './worker-env.js';

describe('worker env', () => {
  it('leaves everything at the defaults when unset', () => {
    expect(readWorkerEnv({})).toEqual({ options: {}, shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS });
  });

  it('reads whole milliseconds', () => {
    expect(readWorkerEnv({ WORKER_LOCK_DURATION_MS: '1000', WORKER_STALLED_INTERVAL_MS: ' 500 ', WORKER_SHUTDOWN_GRACE_MS: '0' })).toEqual({
      options: { lockDurationMs: 1000, stalledIntervalMs: 500 },
      shutdownGraceMs: 0,
    });
  });

  it.each([['1s'], ['-5'], ['1.5'], ['50'], ['99999999999']])('names the variable for %j', (value) => {
    expect(() => readWorkerEnv({ WORKER_LOCK_DURATION_MS: value })).toThrow(/^Invalid WORKER_LOCK_DURATION_MS: /);
  });
});
