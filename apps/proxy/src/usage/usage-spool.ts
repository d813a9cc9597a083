import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { UsageEvent } from '@byok/queues';

/**
 * The proxy's usage write-ahead log: every event is appended to a local file (one JSON line; the
 * events of one turn of the event loop in one `write` call, see `usage-sink.ts`) before it is
 * queued, and the file is deleted once all its events are on the queue.
 * A process that dies (SIGKILL, OOM) leaves its files behind; the next proxy started on the same
 * directory replays them. Events the in-memory buffer cannot hold during a Redis outage stay on
 * disk and are read back when Redis returns. Replays may repeat an event that did reach the
 * queue; the consumer stores each request id once, so the effect stays exactly-once.
 *
 * A `write` puts the line in the kernel's page cache: it survives the process dying, not the
 * machine losing power (no fsync per event; that would cost milliseconds per request).
 */
export interface UsageSpool {
  /**
   * Writes the events ahead, in one `write` call, into one segment (a segment may pass
   * `segmentMaxEvents` by the last call's events); undefined when the write failed (the events
   * then live in memory only).
   */
  append(events: readonly UsageEvent[]): SpoolSegment | undefined;
  /** One event of `segment` (held in memory) is on the queue. */
  delivered(segment: SpoolSegment): void;
  /** One event of `segment` left memory undelivered: it will be read back from disk. */
  spilled(segment: SpoolSegment): void;
  /**
   * The oldest segment owing events that are only on disk (spilled, or left by a dead process)
   * and has none in memory, read back — at most `limit` events; the rest move to a new file. The
   * returned events are held in memory again through the returned segment.
   */
  takeSpilled(limit: number): { segment: SpoolSegment; events: UsageEvent[] } | undefined;
  /** Segments owing events that are only on disk. */
  readonly spilledSegments: number;
  /** Closes the open file; files still owing events stay for the next start. */
  close(): void;
}

/** One file of the spool. */
export interface SpoolSegment {
  readonly path: string;
  /** Events written and not yet delivered; unknown (-1) for a file claimed from a dead process. */
  owed: number;
  appended: number;
  /** Events of this segment in the sink's memory or being sent; a segment is read back only at 0. */
  held: number;
  fd: number | undefined;
  spilled: boolean;
}

export interface UsageSpoolOptions {
  /** The spool's directory, one per usage queue (created when missing). */
  dir: string;
  /** Events per file before a new one is started (the call that reaches it finishes in the file). */
  segmentMaxEvents: number;
  /** Told about a failed write or read (rate-limiting the log is the caller's job). */
  onError(error: unknown, what: string): void;
}

const FILE = /^usage-(.+)-(\d+)-([0-9a-f]+)-(\d+)\.jsonl$/;
/** Spools of this process, by instance id: their files are not orphans even though the pid is alive. */
const liveInstances = new Set<string>();

export function openUsageSpool(options: UsageSpoolOptions): UsageSpool {
  mkdirSync(options.dir, { recursive: true });
  const host = hostname().replace(/[^A-Za-z0-9.]/g, '_');
  const instance = randomBytes(6).toString('hex');
  liveInstances.add(instance);
  let seq = 0;
  const nextPath = () => join(options.dir, `usage-${host}-${process.pid}-${instance}-${++seq}.jsonl`);
  const segments: SpoolSegment[] = claimOrphans(options.dir, host, nextPath, options.onError);
  let current: SpoolSegment | undefined;

  function seal(segment: SpoolSegment): void {
    if (segment.fd !== undefined) {
      closeSync(segment.fd);
      segment.fd = undefined;
    }
    if (current === segment) current = undefined;
    removeIfDone(segment);
  }

  function removeIfDone(segment: SpoolSegment): void {
    if (segment.fd !== undefined || segment.spilled || segment.owed !== 0) return;
    const at = segments.indexOf(segment);
    if (at >= 0) segments.splice(at, 1);
    try {
      unlinkSync(segment.path);
    } catch (error) {
      options.onError(error, 'removing a delivered usage spool file');
    }
  }

  function open(): SpoolSegment {
    const path = nextPath();
    const segment: SpoolSegment = { path, owed: 0, appended: 0, held: 0, fd: openSync(path, 'a'), spilled: false };
    segments.push(segment);
    current = segment;
    return segment;
  }

  return {
    append(events) {
      try {
        if (current !== undefined && current.appended >= options.segmentMaxEvents) seal(current);
        const segment = current ?? open();
        let lines = '';
        for (const event of events) lines += `${JSON.stringify(event)}\n`;
        writeSync(segment.fd as number, lines);
        segment.appended += events.length;
        segment.owed += events.length;
        segment.held += events.length;
        return segment;
      } catch (error) {
        options.onError(error, 'writing a usage event ahead');
        return undefined;
      }
    },
    delivered(segment) {
      segment.owed--;
      segment.held--;
      removeIfDone(segment);
    },
    spilled(segment) {
      segment.held--;
      segment.spilled = true;
    },
    takeSpilled(limit) {
      for (;;) {
        // An event of the segment still in memory would be read back too and counted twice.
        const segment = segments.find((s) => s.spilled && s.held === 0);
        if (segment === undefined) return undefined;
        if (segment.fd !== undefined) seal(segment);
        let events = readEvents(segment.path, options.onError);
        if (events.length > limit) {
          // The rest goes to a file of its own before this one can be deleted; a crash in
          // between repeats events, never loses them.
          const rest = moveToNewFile(events.slice(limit), nextPath(), options.onError);
          if (rest !== undefined) {
            segments.splice(segments.indexOf(segment) + 1, 0, rest);
            events = events.slice(0, limit);
          }
        }
        segment.spilled = false;
        segment.owed = events.length;
        segment.held = events.length;
        if (events.length > 0) return { segment, events };
        removeIfDone(segment);
      }
    },
    get spilledSegments() {
      return segments.filter((s) => s.spilled).length;
    },
    close() {
      liveInstances.delete(instance);
      if (current !== undefined) seal(current);
    },
  };
}

/**
 * Takes over the files of spools that are gone: written on this host by a process no longer
 * running, or by this process's pid in an earlier life (a container restarted as pid 1). Renaming
 * is atomic, so of two proxies starting at once only one takes a file. Files of other hosts are
 * left alone: whether their writer lives cannot be told from here.
 */
function claimOrphans(dir: string, host: string, nextPath: () => string, onError: UsageSpoolOptions['onError']): SpoolSegment[] {
  const claimed: SpoolSegment[] = [];
  const names = readdirSync(dir)
    .filter((name) => FILE.test(name))
    .sort();
  for (const name of names) {
    const [, fileHost, pidText, fileInstance] = FILE.exec(name) ?? [];
    if (fileHost !== host || fileInstance === undefined) continue;
    const pid = Number(pidText);
    if (pid === process.pid ? liveInstances.has(fileInstance) : isRunning(pid)) continue;
    const path = nextPath();
    try {
      renameSync(join(dir, name), path);
      claimed.push({ path, owed: -1, appended: 0, held: 0, fd: undefined, spilled: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onError(error, 'claiming a usage spool file');
    }
  }
  return claimed;
}

/** Writes `events` to a new sealed file that owes them; undefined when that write failed (the caller keeps them all). */
function moveToNewFile(events: readonly UsageEvent[], path: string, onError: UsageSpoolOptions['onError']): SpoolSegment | undefined {
  try {
    writeFileSync(path, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    return { path, owed: -1, appended: 0, held: 0, fd: undefined, spilled: true };
  } catch (error) {
    onError(error, 'splitting a usage spool file');
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The file's events; a line cut short by a crash mid-write is skipped. */
function readEvents(path: string, onError: UsageSpoolOptions['onError']): UsageEvent[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    onError(error, 'reading a usage spool file');
    return [];
  }
  const events: UsageEvent[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const event = JSON.parse(line) as UsageEvent;
      // The sink checks the schema again before sending; here only repeats are dropped.
      if (seen.has(event.requestId)) continue;
      seen.add(event.requestId);
      events.push(event);
    } catch {
      // A torn last line: its write never completed, so its response's close handler did not return.
    }
  }
  return events;
}
