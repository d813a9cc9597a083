import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { UsageEvent } from '@byok/queues';
import { createLogger } from '@byok/telemetry';
import { describe, expect, it } from 'vitest';
import { usageEvent } from './usage-event.fixture.js';
import { createUsageSink } from './usage-sink.js';

const event = usageEvent;

/**
 * A queue whose `add` succeeds or fails on command (optionally after the job landed, as when a
 * reply is lost), keeping jobs by id as BullMQ does, and a connection whose status we set.
 */
function fakes() {
  const sent: string[][] = [];
  const jobs = new Map<string, string[]>();
  const state = { fail: false, failAfterLanding: false };
  const queue = {
    async add(_name: string, data: { events: UsageEvent[] }, opts: { jobId: string }) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (state.fail) throw new Error('Connection is closed.');
      // BullMQ ignores an add whose job id exists.
      if (!jobs.has(opts.jobId)) {
        jobs.set(opts.jobId, data.events.map((e) => e.requestId));
        sent.push(data.events.map((e) => e.requestId));
      }
      if (state.failAfterLanding) throw new Error('Command timed out');
      return {};
    },
  };
  const connection = Object.assign(new EventEmitter(), { status: 'ready' });
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', name: 'sink-test', destination: new Writable({ write: (chunk, _e, cb) => { lines.push(String(chunk)); cb(); } }) });
  return { sent, jobs, state, queue, connection, lines, logger };
}

const flat = (sent: string[][]) => sent.flat();

describe('createUsageSink', () => {
  it('puts the events recorded in the same tick into jobs of at most batchSize events', async () => {
    const f = fakes();
    const sink = createUsageSink({ queue: f.queue as never, connection: f.connection as never, logger: f.logger, maxBuffered: 100, batchSize: 3 });
    for (let i = 0; i < 7; i++) sink.record(event(i));
    expect(await sink.flush(1000)).toBe(true);
    expect(f.sent).toEqual([['req-0', 'req-1', 'req-2'], ['req-3', 'req-4', 'req-5'], ['req-6']]);
    expect(f.jobs.size).toBe(3);
    expect(sink.buffered).toBe(0);
  });

  it('sends a batch whose reply was lost again as the same job, so it is queued once', async () => {
    const f = fakes();
    const sink = createUsageSink({ queue: f.queue as never, connection: f.connection as never, logger: f.logger, maxBuffered: 100, retryDelayMs: 20, lingerMs: 0 });
    f.state.failAfterLanding = true;
    sink.record(event(0));
    sink.record(event(1));
    await new Promise((resolve) => setTimeout(resolve, 10));
    sink.record(event(2));
    f.state.failAfterLanding = false;
    expect(await sink.flush(1000)).toBe(true);
    expect(f.sent).toEqual([['req-0', 'req-1'], ['req-2']]);
  });

  it('holds events while Redis is away, in order, and sends them when it is ready again', async () => {
    const f = fakes();
    const sink = createUsageSink({ queue: f.queue as never, connection: f.connection as never, logger: f.logger, maxBuffered: 100 });
    f.connection.status = 'reconnecting';
    for (let i = 0; i < 5; i++) sink.record(event(i));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(f.sent).toEqual([]);
    expect(sink.buffered).toBe(5);
    expect(f.lines.join('')).toContain('usage events wait in memory');
    f.connection.status = 'ready';
    f.connection.emit('ready');
    expect(await sink.flush(1000)).toBe(true);
    expect(flat(f.sent)).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);
    expect(f.lines.join('')).toContain('usage events delivered again');
  });

  it('puts a failed batch back in front and retries it', async () => {
    const f = fakes();
    const sink = createUsageSink({ queue: f.queue as never, connection: f.connection as never, logger: f.logger, maxBuffered: 100, retryDelayMs: 20 });
    f.state.fail = true;
    sink.record(event(0));
    sink.record(event(1));
    await new Promise((resolve) => setTimeout(resolve, 10));
    sink.record(event(2));
    f.state.fail = false;
    expect(await sink.flush(1000)).toBe(true);
    expect(flat(f.sent)).toEqual(['req-0', 'req-1', 'req-2']);
  });

  it('drops the oldest events beyond the bound, counts them and logs it', async () => {
    const f = fakes();
    const sink = createUsageSink({ queue: f.queue as never, connection: f.connection as never, logger: f.logger, maxBuffered: 3 });
    f.connection.status = 'end';
    for (let i = 0; i < 5; i++) sink.record(event(i));
    expect(sink.buffered).toBe(3);
    expect(sink.dropped).toBe(2);
    expect(f.lines.join('')).toMatch(/usage events lost: the in-memory buffer \(3 events\) is full/);
    f.connection.status = 'ready';
    f.connection.emit('ready');
    await sink.flush(1000);
    expect(flat(f.sent)).toEqual(['req-2', 'req-3', 'req-4']);
  });

  it('flush gives up after its timeout; close counts what is left as lost', async () => {
    const f = fakes();
    const sink = createUsageSink({ queue: f.queue as never, connection: f.connection as never, logger: f.logger, maxBuffered: 10 });
    f.connection.status = 'reconnecting';
    sink.record(event(0));
    expect(await sink.flush(30)).toBe(false);
    sink.close();
    expect(sink.dropped).toBe(1);
    expect(sink.buffered).toBe(0);
    sink.record(event(1));
    expect(sink.dropped).toBe(2);
  });
});
