import { EventEmitter } from 'node:events';
import { appendFileSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { UsageEvent } from '@byok/queues';
import { createLogger } from '@byok/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { usageEvent } from './usage-event.fixture.js';
import { createUsageSink } from './usage-sink.js';
import { openUsageSpool } from './usage-spool.js';

const event = usageEvent;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A sink over a spool in a fresh directory, a queue that keeps what it got, and a connection whose status we set. */
function setup(dir = mkdtempSync(join(tmpdir(), 'usage-spool-test-')), maxBuffered = 3) {
  dirs.push(dir);
  const sent: string[] = [];
  const queue = {
    async add(_name: string, data: { events: UsageEvent[] }) {
      if (connection.status !== 'ready') throw new Error('Connection is closed.');
      sent.push(...data.events.map((e) => e.requestId));
      return {};
    },
  };
  const connection = Object.assign(new EventEmitter(), { status: 'ready' });
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', name: 'spool-test', destination: new Writable({ write: (chunk, _e, cb) => { lines.push(String(chunk)); cb(); } }) });
  const errors: unknown[] = [];
  const spool = openUsageSpool({ dir, segmentMaxEvents: maxBuffered, onError: (error) => errors.push(error) });
  const sink = createUsageSink({ queue: queue as never, connection: connection as never, logger, maxBuffered, spool, lingerMs: 0, retryDelayMs: 10 });
  return { dir, sent, connection, sink, lines, errors };
}

describe('usage spool', () => {
  it('a Redis outage longer than the in-memory buffer drops nothing: the overflow is read back from disk', async () => {
    const s = setup();
    s.connection.status = 'reconnecting';
    for (let i = 0; i < 11; i++) s.sink.record(event(i));
    expect(s.sink.buffered).toBe(3);
    expect(s.sink.dropped).toBe(0);
    s.connection.status = 'ready';
    s.connection.emit('ready');
    expect(await s.sink.flush(2000)).toBe(true);
    expect(new Set(s.sent)).toEqual(new Set(Array.from({ length: 11 }, (_, i) => `req-${i}`)));
    expect(s.sink.dropped).toBe(0);
    s.sink.close();
    // Every file is deleted once its events are on the queue.
    expect(readdirSync(s.dir)).toEqual([]);
    expect(s.errors).toEqual([]);
  });

  it('events still owed at shutdown stay on disk, and the next sink on the directory sends them', async () => {
    const first = setup();
    first.connection.status = 'reconnecting';
    for (let i = 0; i < 5; i++) first.sink.record(event(i));
    expect(await first.sink.flush(30)).toBe(false);
    first.sink.close();
    expect(first.sink.dropped).toBe(0);
    expect(readdirSync(first.dir).length).toBeGreaterThan(0);

    const second = setup(first.dir);
    second.sink.record(event(5));
    expect(await second.sink.flush(2000)).toBe(true);
    expect(new Set(second.sent)).toEqual(new Set(['req-0', 'req-1', 'req-2', 'req-3', 'req-4', 'req-5']));
    second.sink.close();
    expect(readdirSync(first.dir)).toEqual([]);
  });

  it('a crashed process’s file (dead pid, torn last line) is claimed and replayed; a live process’s file is left alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'usage-spool-test-'));
    const writer = openUsageSpool({ dir, segmentMaxEvents: 100, onError: () => undefined });
    writer.append(event(1));
    writer.append(event(2));
    writer.close();
    const [name] = readdirSync(dir);
    if (name === undefined) throw new Error('no spool file written');
    // As a SIGKILLed process would leave it: another pid that no longer runs, the last write cut short.
    const dead = name.replace(`-${process.pid}-`, '-2147483646-');
    renameSync(join(dir, name), join(dir, dead));
    appendFileSync(join(dir, dead), '{"requestId":"req-3","us');
    const live = `usage-${dead.split('-')[1]}-1-abcdef-1.jsonl`;
    appendFileSync(join(dir, live), `${JSON.stringify(event(9))}\n`);

    const s = setup(dir);
    expect(await s.sink.flush(2000)).toBe(true);
    expect(s.sent.sort()).toEqual(['req-1', 'req-2']);
    s.sink.close();
    // pid 1 runs (init): its file is not ours to take.
    expect(readdirSync(dir)).toEqual([live]);
  });
});

describe('usage spool read-back', () => {
  it('reads back a file larger than the room in memory in parts, moving the rest to a file of its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'usage-spool-test-'));
    dirs.push(dir);
    const spool = openUsageSpool({ dir, segmentMaxEvents: 100, onError: () => undefined });
    const segments = Array.from({ length: 10 }, (_, i) => spool.append(event(i)));
    // All ten left memory undelivered (an outage longer than the buffer).
    for (const segment of segments) if (segment) spool.spilled(segment);
    const first = spool.takeSpilled(4);
    expect(first?.events.map((e) => e.requestId)).toEqual(['req-0', 'req-1', 'req-2', 'req-3']);
    // The first part is held in memory: its file is not offered again until it is delivered.
    const second = spool.takeSpilled(100);
    expect(second?.events.map((e) => e.requestId)).toEqual(['req-4', 'req-5', 'req-6', 'req-7', 'req-8', 'req-9']);
    expect(spool.takeSpilled(100)).toBeUndefined();
    for (const taken of [first, second]) for (const _ of taken?.events ?? []) if (taken) spool.delivered(taken.segment);
    spool.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
