import type { Runtime } from '@byok/runtime';
import { REVALIDATION_SCHEDULER_ID, startWorker } from '@byok/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { startWorkerHarness, type WorkerHarness } from './support/worker-harness.js';

const HOUR_MS = 3_600_000;

/**
 * The re-validation schedule as workers start and restart: the first run one interval after the
 * scheduler is created, and restarts (or instances starting together) keep that slot.
 */
describe('re-validation schedule across worker starts', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await startWorkerHarness('worker_schedule_start', { env: { KEY_REVALIDATE_INTERVAL_MS: String(HOUR_MS) } });
  });
  afterAll(() => h.close());

  const maintenance = () => h.runtime.producers.maintenance.queue;
  const withInterval = (intervalMs: number): Runtime => ({ ...h.runtime, config: { ...h.config, keyRevalidateIntervalMs: intervalMs } });
  async function scheduledJobs() {
    const jobs = await maintenance().getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
    return Promise.all(jobs.map(async (job) => ({ id: job.id, state: await job.getState(), runsAt: job.timestamp + (job.opts.delay ?? 0) })));
  }

  it('first runs one interval after the scheduler is created, not when the worker starts', async () => {
    await h.insertKey({ userId: 'schedule-user', provider: 'groq', apiKey: fakeKey('groq', 'valid', 'schedule') });
    const before = Date.now();
    await (await h.startWorker()).close();

    const scheduler = await maintenance().getJobScheduler(REVALIDATION_SCHEDULER_ID);
    expect(scheduler).toMatchObject({ every: HOUR_MS, name: 'revalidate-keys' });
    expect(scheduler?.next).toBeGreaterThanOrEqual(before + HOUR_MS);
    const jobs = await scheduledJobs();
    expect(jobs).toEqual([{ id: expect.any(String), state: 'delayed', runsAt: scheduler?.next }]);
    // Nothing was re-validated: no key test was enqueued.
    expect(await h.runtime.producers.keyTests.queue.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed')).toBe(0);
  });

  it('keeps its slot when workers restart, alone or several at once, with one pending run', async () => {
    const first = await maintenance().getJobScheduler(REVALIDATION_SCHEDULER_ID);
    const pending = await scheduledJobs();

    await (await h.startWorker()).close();
    const together = await Promise.all([h.startWorker(), h.startWorker(), h.startWorker()]);
    await Promise.all(together.map((w) => w.close()));

    expect((await maintenance().getJobScheduler(REVALIDATION_SCHEDULER_ID))?.next).toBe(first?.next);
    expect(await scheduledJobs()).toEqual(pending);
    expect(await maintenance().getJobSchedulersCount()).toBe(1);
  });

  it('starts over one new interval from now when the interval changes', async () => {
    const before = Date.now();
    await (await startWorker(withInterval(2 * HOUR_MS))).close();

    const scheduler = await maintenance().getJobScheduler(REVALIDATION_SCHEDULER_ID);
    expect(scheduler).toMatchObject({ every: 2 * HOUR_MS });
    expect(scheduler?.next).toBeGreaterThanOrEqual(before + 2 * HOUR_MS);
    expect(await scheduledJobs()).toEqual([{ id: expect.any(String), state: 'delayed', runsAt: scheduler?.next }]);
  });
});
