import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REPEATED_SIGNAL_MS, runService, type StartedService, type StopContext } from './run-service.js';

/** A process double: signals are emitted by the test, exits and stderr lines are recorded. */
function fakeProcess() {
  const signals = new EventEmitter();
  const events: string[] = [];
  const exits: number[] = [];
  const stderr: string[] = [];
  return {
    events,
    exits,
    stderr,
    send: (signal: NodeJS.Signals) => signals.emit(signal, signal),
    listeners: () => signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT'),
    process: {
      on: (signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void) => signals.on(signal, listener),
      exit: (code: number) => {
        events.push(`exit ${code}`);
        exits.push(code);
      },
      stderr: { write: (text: string) => stderr.push(text) },
    },
  };
}

function recordingLogger(events: string[], fields: object[] = []): StartedService['logger'] {
  const record = (level: string) => (objOrMsg: object | string, msg?: string) => {
    if (typeof objOrMsg === 'object') fields.push(objOrMsg);
    events.push(`${level} ${typeof objOrMsg === 'string' ? objOrMsg : msg}`);
  };
  return { info: record('info'), warn: record('warn'), error: record('error') } as StartedService['logger'];
}

function service(events: string[], stop: (context: StopContext) => Promise<void>, graceMs = 5_000): StartedService {
  return { logger: recordingLogger(events), graceMs, stopping: 'finishing work', unfinished: 'work unfinished', stop };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runService', () => {
  it('on SIGTERM stops the service, then logs, then flushes telemetry, then exits 0', async () => {
    const fake = fakeProcess();
    let left = -1;
    await runService({
      name: 'thing',
      process: fake.process,
      flushTelemetry: async () => {
        fake.events.push('flush');
      },
      start: async () =>
        service(fake.events, async (context) => {
          left = context.msLeft();
          fake.events.push('stop');
        }),
    });
    expect(fake.listeners()).toBe(2);
    fake.send('SIGTERM');
    await vi.runAllTimersAsync();
    expect(fake.events).toEqual(['info shutting down: finishing work', 'stop', 'info thing stopped', 'flush', 'exit 0']);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(5_000);
  });

  it('announces a started service (to a cluster primary), and never a start that failed', async () => {
    const fake = fakeProcess();
    const announced: string[] = [];
    await runService({ name: 'thing', process: fake.process, announceStarted: () => announced.push('thing'), start: async () => service(fake.events, async () => undefined) });
    await runService({
      name: 'broken',
      process: fake.process,
      announceStarted: () => announced.push('broken'),
      start: async () => {
        throw new Error('no config');
      },
    });
    expect(announced).toEqual(['thing']);
    expect(fake.exits).toEqual([1]);
  });

  it('SIGINT stops it the same way', async () => {
    const fake = fakeProcess();
    await runService({ name: 'thing', process: fake.process, flushTelemetry: async () => undefined, start: async () => service(fake.events, async () => undefined) });
    fake.send('SIGINT');
    await vi.runAllTimersAsync();
    expect(fake.exits).toEqual([0]);
  });

  it('exits 1 with a log line, counts included, when the grace period runs out before the stop ends', async () => {
    const fake = fakeProcess();
    const fields: object[] = [];
    await runService({
      name: 'thing',
      process: fake.process,
      flushTelemetry: async () => undefined,
      start: async () => ({ ...service(fake.events, () => new Promise(() => undefined), 1_000), logger: recordingLogger(fake.events, fields), unfinishedCounts: () => ({ bufferedUsageEvents: 3 }) }),
    });
    fake.send('SIGTERM');
    await vi.advanceTimersByTimeAsync(999);
    expect(fake.exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.exits).toEqual([1]);
    expect(fake.events).toContain('error grace period over; exiting with work unfinished');
    expect(fields).toContainEqual({ graceMs: 1_000, bufferedUsageEvents: 3 });
  });

  it('treats a copy of the signal within REPEATED_SIGNAL_MS as the same request, and a later one as "exit now"', async () => {
    const fake = fakeProcess();
    let stops = 0;
    await runService({
      name: 'thing',
      process: fake.process,
      flushTelemetry: async () => undefined,
      start: async () =>
        service(fake.events, () => {
          stops += 1;
          return new Promise(() => undefined);
        }),
    });
    fake.send('SIGTERM');
    fake.send('SIGINT');
    await vi.advanceTimersByTimeAsync(REPEATED_SIGNAL_MS - 1);
    fake.send('SIGTERM');
    expect(fake.exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    fake.send('SIGTERM');
    expect(fake.exits).toEqual([1]);
    expect(fake.events).toContain('warn second signal; exiting now');
    expect(stops).toBe(1);
  });

  it('exits 1 when the stop fails, and still flushes telemetry', async () => {
    const fake = fakeProcess();
    await runService({
      name: 'thing',
      process: fake.process,
      flushTelemetry: async () => {
        fake.events.push('flush');
      },
      start: async () => service(fake.events, async () => Promise.reject(new Error('redis went away'))),
    });
    fake.send('SIGTERM');
    await vi.runAllTimersAsync();
    expect(fake.events.slice(-3)).toEqual(['error error while shutting down', 'flush', 'exit 1']);
  });

  it('exits 0 even when the telemetry flush fails (the stop itself succeeded)', async () => {
    const fake = fakeProcess();
    await runService({ name: 'thing', process: fake.process, flushTelemetry: () => Promise.reject(new Error('collector away')), start: async () => service(fake.events, async () => undefined) });
    fake.send('SIGTERM');
    await vi.runAllTimersAsync();
    expect(fake.events).toContain('warn telemetry flush failed');
    expect(fake.exits).toEqual([0]);
  });

  it('writes one line naming the error and exits 1 when the start fails, listening to no signal', async () => {
    const fake = fakeProcess();
    class ConfigError extends Error {
      override readonly name = 'ConfigError';
    }
    await runService({ name: 'thing', process: fake.process, start: () => Promise.reject(new ConfigError('Invalid PORT: must be an integer')) });
    expect(fake.stderr).toEqual(['thing failed to start: ConfigError: Invalid PORT: must be an integer\n']);
    expect(fake.exits).toEqual([1]);
    expect(fake.listeners()).toBe(0);
  });
});
