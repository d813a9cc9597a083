import { EventEmitter } from 'node:events';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
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
    writer.append([event(1)]);
    writer.append([event(2)]);
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

/** The request ids written to the spool files of `dir` so far. */
function spooledIds(dir: string): string[] {
  return readdirSync(dir).flatMap((name) =>
    readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as UsageEvent).requestId),
  );
}

describe('usage spool: one write per turn of the event loop', () => {
  it('writes the events recorded in one turn together at its end, before any of them is queued', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'usage-spool-test-'));
    dirs.push(dir);
    const onDiskWhenQueued: string[][] = [];
    const queue = {
      async add(_name: string, data: { events: UsageEvent[] }) {
        const ids = spooledIds(dir);
        onDiskWhenQueued.push(data.events.map((e) => e.requestId).filter((id) => !ids.includes(id)));
        return {};
      },
    };
    const connection = Object.assign(new EventEmitter(), { status: 'ready' });
    const logger = createLogger({ level: 'silent', name: 'spool-test' });
    const spool = openUsageSpool({ dir, segmentMaxEvents: 100, onError: () => undefined });
    // A long linger: the turn ends long before the batch goes.
    const sink = createUsageSink({ queue: queue as never, connection: connection as never, logger, maxBuffered: 100, spool, lingerMs: 60_000 });
    for (let i = 0; i < 3; i++) sink.record(event(i));
    expect(spooledIds(dir)).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(spooledIds(dir)).toEqual(['req-0', 'req-1', 'req-2']);

    // A batch sent within the turn its events were recorded in (it is full) writes them ahead first.
    const full = createUsageSink({ queue: queue as never, connection: connection as never, logger, maxBuffered: 100, spool, batchSize: 2 });
    full.record(event(3));
    full.record(event(4));
    expect(await full.flush(2000)).toBe(true);
    expect(await sink.flush(2000)).toBe(true);
    // Every event was in a spool file when its job was added (none missing from the disk).
    expect(onDiskWhenQueued).toEqual([[], []]);
    full.close();
    sink.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes events ahead before the buffer evicts them, so the spilled ones are read back, not lost', async () => {
    const s = setup();
    s.connection.status = 'reconnecting';
    // All in one turn: more than the buffer (3) holds, none written ahead yet when the first is evicted.
    for (let i = 0; i < 6; i++) s.sink.record(event(i));
    expect(s.sink.dropped).toBe(0);
    expect(new Set(spooledIds(s.dir))).toEqual(new Set(['req-0', 'req-1', 'req-2', 'req-3', 'req-4', 'req-5']));
    s.connection.status = 'ready';
    s.connection.emit('ready');
    expect(await s.sink.flush(2000)).toBe(true);
    expect(new Set(s.sent)).toEqual(new Set(['req-0', 'req-1', 'req-2', 'req-3', 'req-4', 'req-5']));
    s.sink.close();
    expect(readdirSync(s.dir)).toEqual([]);
  });
});

describe('usage spool read-back', () => {
  it('reads back a file larger than the room in memory in parts, moving the rest to a file of its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'usage-spool-test-'));
    dirs.push(dir);
    const spool = openUsageSpool({ dir, segmentMaxEvents: 100, onError: () => undefined });
    const segment = spool.append(Array.from({ length: 10 }, (_, i) => event(i)));
    if (segment === undefined) throw new Error('the spool write failed');
    // All ten left memory undelivered (an outage longer than the buffer).
    for (let i = 0; i < 10; i++) spool.spilled(segment);
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
