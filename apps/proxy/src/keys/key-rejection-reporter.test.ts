import { Writable } from 'node:stream';
import type { KeyTestJob } from '@byok/queues';
import { createLogger } from '@byok/telemetry';
import { describe, expect, it } from 'vitest';
import { createKeyRejectionReporter } from './key-rejection-reporter.js';

const logger = createLogger({ level: 'silent', name: 't', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const key = { keyId: '00000000-0000-4000-8000-000000000001', keyVersion: 2, userId: 'u1', provider: 'openai' as const, requestId: 'r1' };

describe('createKeyRejectionReporter', () => {
  it('enqueues one rejected_upstream test per key version per quiet period, deduplicated in Redis by keyId:keyVersion', async () => {
    let now = 0;
    const calls: Array<{ payload: KeyTestJob; dedup: unknown }> = [];
    const reporter = createKeyRejectionReporter({
      logger,
      quietMs: 1000,
      now: () => now,
      producers: { keyTests: { queue: undefined as never, enqueue: async (payload, options) => { calls.push({ payload, dedup: options?.deduplication }); return { id: 'j' }; } } },
    });
    reporter.report(key);
    reporter.report(key);
    reporter.report({ ...key, keyVersion: 3 });
    now = 1000;
    reporter.report(key);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls.map((c) => c.dedup)).toEqual([{ id: `${key.keyId}:2` }, { id: `${key.keyId}:3` }, { id: `${key.keyId}:2` }]);
    expect(calls[0]?.payload).toEqual({ keyId: key.keyId, keyVersion: 2, userId: 'u1', provider: 'openai', reason: 'rejected_upstream', actorId: 'system', requestId: 'r1' });
  });

  it('tries again on the next rejection when Redis refused the job', async () => {
    let attempts = 0;
    const reporter = createKeyRejectionReporter({
      logger,
      producers: { keyTests: { queue: undefined as never, enqueue: async () => { attempts++; throw new Error('queue unavailable'); } } },
    });
    reporter.report(key);
    await new Promise((resolve) => setTimeout(resolve, 0));
    reporter.report(key);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(attempts).toBe(2);
  });
});
