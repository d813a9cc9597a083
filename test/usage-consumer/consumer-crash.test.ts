import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsumerHarness, type ConsumerHarness } from './support/consumer-harness.js';
import { expectedDaily, expectedDebits, makeEvents, readCredits, readDaily } from './support/usage-fixtures.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A consumer started exactly as documented, in its own process group so a signal reaches the node process under npx. */
interface ConsumerProcess {
  child: ChildProcess;
  output: string[];
  /** Resolves when every process of the group has closed its output (i.e. has exited). */
  closed: Promise<void>;
  signal(signal: NodeJS.Signals): void;
}

function spawnConsumer(env: Record<string, string>): ConsumerProcess {
  const child = spawn('npx', ['tsx', '--conditions=@byok/source', 'apps/usage-consumer/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    output,
    closed,
    signal(signal) {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    },
  };
}

async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a usage consumer process killed mid-stream', () => {
  let h: ConsumerHarness;
  const children: ConsumerProcess[] = [];
  beforeAll(async () => {
    h = await startConsumerHarness('usage_crash');
  });
  afterAll(async () => {
    for (const c of children) {
      try {
        c.signal('SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await Promise.all(children.map((c) => c.closed));
    await h.close();
  });

  it('restarts with totals equal to the accepted events and no double debit', { timeout: 300_000 }, async () => {
    const events = makeEvents(20_000, 'crash');
    await h.enqueue(events);
    // Locks short enough for a quick takeover, long enough that a busy machine delaying a renewal
    // does not make live jobs look stalled (each false stall re-runs a job and counts towards
    // maxStalledCount).
    const env = { ...h.env, WORKER_LOCK_DURATION_MS: '5000', WORKER_STALLED_INTERVAL_MS: '1000', SHUTDOWN_GRACE_MS: '10000' };
    const storedCount = async () => (await h.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM usage_events'))[0]?.n ?? 0;

    const first = spawnConsumer(env);
    children.push(first);
    await waitUntil(async () => (await storedCount()) >= 3000, 120_000, 'the first consumer to store 3000 events');
    first.signal('SIGKILL');
    await first.closed;
    const storedAtKill = await storedCount();
    expect(storedAtKill).toBeLessThan(events.length);
    const atKill = await h.jobCounts();
    expect(atKill.active).toBeGreaterThan(0); // jobs the dead process held, some of them already committed

    // Jobs complete only after their events are durable: every completed job's events are stored.
    const completed = await h.queue.getCompleted(0, -1);
    expect(completed.length).toBeGreaterThan(0);
    const completedIds = completed.flatMap((job) => (job.data as { events: Array<{ requestId: string }> }).events.map((e) => e.requestId));
    const stored = await h.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM usage_events WHERE request_id = ANY($1)', [completedIds]);
    expect(stored[0]?.n).toBe(new Set(completedIds).size);

    const second = spawnConsumer(env);
    children.push(second);
    await h.waitUntilDrained(150_000);
    second.signal('SIGTERM');
    await second.closed;

    expect(await readDaily(h.db)).toEqual(expectedDaily(events));
    const credits = await readCredits(h.db);
    for (const [user, debited] of expectedDebits(events)) expect(credits.get(user)).toMatchObject({ balance: -debited, debited });
    const charges = events.filter((e) => e.credentialSource === 'system' && e.creditsMicro > 0).length;
    expect(await h.db.sql("SELECT count(*)::int AS n, count(DISTINCT request_id)::int AS d FROM credit_ledger WHERE kind = 'charge'")).toEqual([{ n: charges, d: charges }]);
    const counts = await h.jobCounts();
    expect(counts.failed).toBe(0);
    expect(counts.completed).toBe(Math.ceil(events.length / 100));

    const output = [...first.output, ...second.output].join('');
    expect(output).toContain('"msg":"usage consumer started"');
    // SIGTERM went to the whole group (as Ctrl+C does), so the node process got it directly and
    // relayed by tsx: one graceful stop, not an immediate exit on the "second" signal.
    expect(second.output.join('')).toContain('"msg":"usage consumer stopped"');
    expect(second.output.join('')).not.toContain('second signal');
  });
});
