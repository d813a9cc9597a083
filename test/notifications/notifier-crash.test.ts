import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { keyEventDraft, type NotificationDraft } from '@byok/notifications';
import { generateWebhookSecret, insertWebhook } from '@byok/notifications/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../webhooks/support/receiver.js';
import { type NotifierHarness, sleep, startNotifierHarness, waitUntil } from './support/notifier-harness.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface NotifierProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A notifier process as production runs it. */
function spawnNotifier(env: Record<string, string>): NotifierProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@byok/source', 'apps/notifier/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output, exited };
}

const PAGE_EVENTS = 3000;
const MAIL_USERS = 5;
const HOOK_EVENTS = 150;

describe('a notifier process killed mid-batch', () => {
  let h: NotifierHarness;
  const children: NotifierProcess[] = [];
  beforeAll(async () => {
    h = await startNotifierHarness('notify_crash');
  });
  afterAll(async () => {
    for (const p of children) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(children.map((p) => p.exited));
    await h.close();
  });

  const start = (): NotifierProcess => {
    // WEBHOOK_ALLOW_PRIVATE: the test's receiver listens on loopback.
    const p = spawnNotifier({ ...h.env, LOG_LEVEL: 'info', WORKER_LOCK_DURATION_MS: '1000', WORKER_STALLED_INTERVAL_MS: '500', NOTIFY_DIGEST_WINDOW_S: '1', WEBHOOK_ALLOW_PRIVATE: 'true' });
    children.push(p);
    return p;
  };
  const kill = async (p: NotifierProcess): Promise<void> => {
    p.child.kill('SIGKILL');
    expect((await p.exited).signal).toBe('SIGKILL');
  };
  const pageCount = async () => (await h.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM notifications'))[0]?.n ?? 0;

  it('delivers every event exactly once per channel after SIGKILLs in the page batch and in an SMTP send', { timeout: 120_000 }, async () => {
    const owner = await h.insertKey({ userId: 'crash-page-owner' });
    const drafts: NotificationDraft[] = Array.from({ length: PAGE_EVENTS }, (_, i) => ({ ...keyEventDraft('key_recovered', owner), dedupeScope: `crash-${i}` }));
    for (let u = 0; u < MAIL_USERS; u++) {
      const userId = `crash-mail-owner-${u}`;
      await h.setEmail(userId, `owner-${u}@example.test`);
      const key = await h.insertKey({ userId });
      drafts.push(keyEventDraft('key_invalid', key), keyEventDraft('key_no_credit', key));
    }
    const emitted = await h.emit(drafts);
    expect(emitted.every((e) => e.emitted)).toBe(true);
    const mailEventIds = emitted.slice(PAGE_EVENTS).map((e) => e.id);

    // 1. Killed while the page rows are being written.
    const first = start();
    await waitUntil(async () => (await pageCount()) > 0, 60_000, 'the first page rows').catch((error: unknown) => {
      throw new Error(`${String(error)}; the notifier said:\n${first.output.join('')}`);
    });
    const atKill = await pageCount();
    await kill(first);
    expect(atKill).toBeLessThan(emitted.length);

    // 2. Killed while the SMTP server holds its answer to the first email.
    h.smtp.holdNext(1);
    const second = start();
    await waitUntil(() => h.smtp.held() === 1, 30_000, 'an email in flight');
    await kill(second);
    // The server sees the client go before it answered: that message is discarded.
    await sleep(300);
    h.smtp.release();
    expect(h.smtp.received).toHaveLength(0);

    // 3. A fresh notifier finishes the work.
    const third = start();
    await waitUntil(async () => (await pageCount()) === emitted.length, 60_000, 'every page row');
    await waitUntil(() => h.smtp.received.flatMap((m) => m.eventIds).length >= mailEventIds.length, 30_000, 'every email');
    // Long enough for any duplicate to show: a stalled job re-run, a second sender pass.
    await sleep(3000);
    await third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);

    const pageIds = (await h.db.sql<{ id: string }>('SELECT id FROM notifications')).map((r) => r.id);
    expect(pageIds).toHaveLength(emitted.length);
    expect(new Set(pageIds)).toEqual(new Set(emitted.map((e) => e.id)));
    const mailed = h.smtp.received.flatMap((m) => m.eventIds);
    expect(mailed.sort()).toEqual([...mailEventIds].sort());
    // Each email went to the owner of its events. (An owner's two events usually share one email;
    // under load they can reach the email channel in two batches and go out as two.)
    const addressOf = new Map(emitted.slice(PAGE_EVENTS).map((e, i) => [e.id, `owner-${Math.floor(i / 2)}@example.test`]));
    for (const mail of h.smtp.received) for (const id of mail.eventIds) expect(mail.to).toEqual([addressOf.get(id)]);
    expect(h.smtp.received.length).toBeLessThanOrEqual(2 * MAIL_USERS);
    expect(await h.db.sql('SELECT count(*)::int AS n FROM notification_outbox WHERE dispatched_at IS NULL')).toEqual([{ n: 0 }]);
    expect(await h.db.sql('SELECT count(*)::int AS n FROM notification_emails WHERE sent_at IS NULL')).toEqual([{ n: 0 }]);
  });

  it('makes one webhook delivery per event and webhook, each seen by its receiver, after a SIGKILL while deliveries are under way', { timeout: 120_000 }, async () => {
    const receiver = await startReceiver();
    try {
      // Answers take a moment, so the kill finds deliveries both sent and still to send.
      receiver.handle((_req, res) => setTimeout(() => res.writeHead(204).end(), 20));
      const owner = await h.insertKey({ userId: 'crash-hook-owner', provider: 'groq' });
      const webhooks = [];
      for (const path of ['first', 'second']) {
        const row = await insertWebhook(h.runtime.orm.em.fork(), {
          userId: owner.userId,
          url: `${receiver.url}/${path}`,
          events: ['key_recovered'],
          enabled: true,
          secretEncrypted: h.runtime.keyring.encrypt(generateWebhookSecret()),
        });
        webhooks.push(row.id);
      }
      const emitted = await h.emit(Array.from({ length: HOOK_EVENTS }, (_, i) => ({ ...keyEventDraft('key_recovered', owner), dedupeScope: `hook-${i}` })));
      expect(emitted.every((e) => e.emitted)).toBe(true);
      const expected = HOOK_EVENTS * webhooks.length;

      const first = start();
      await waitUntil(() => receiver.received.length >= 20, 60_000, 'the first deliveries').catch((error: unknown) => {
        throw new Error(`${String(error)}; the notifier said:\n${first.output.join('')}`);
      });
      await kill(first);
      const seenAtKill = new Set(receiver.received.map((r) => r.headers['x-byok-delivery'])).size;
      expect(seenAtKill).toBeLessThan(expected);

      const second = start();
      const delivered = async () => (await h.db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'delivered'`))[0]?.n ?? 0;
      await waitUntil(async () => (await delivered()) === expected, 60_000, 'every delivery');
      // Long enough for a duplicate row or a stalled job's re-run to show.
      await sleep(2000);
      await second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);

      // Exactly one delivery record per (webhook, event), each delivered.
      const rows = await h.db.sql<{ id: string; webhook_id: string; event_id: string; status: string }>('SELECT id::text, webhook_id::text, event_id, status FROM webhook_deliveries');
      expect(rows).toHaveLength(expected);
      expect(new Set(rows.map((r) => `${r.webhook_id}/${r.event_id}`)).size).toBe(expected);
      expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(emitted.map((e) => e.id)));
      expect(rows.every((r) => r.status === 'delivered')).toBe(true);
      // The receiver saw every delivery's one id (x-byok-delivery), at its webhook's URL, with its event.
      // Delivery is at least once: a POST the kill cut off before its answer was recorded is sent
      // again with the same id, so ids are counted distinct, and a repeat carries the same body.
      const seen = new Map<string, Set<string>>();
      for (const request of receiver.received) {
        const id = String(request.headers['x-byok-delivery']);
        seen.set(id, (seen.get(id) ?? new Set()).add(request.rawBody));
      }
      expect(new Set(seen.keys())).toEqual(new Set(rows.map((r) => r.id)));
      expect([...seen.values()].every((bodies) => bodies.size === 1)).toBe(true);
      // Repeats are only of the POSTs the kill caught in flight: at most the worker's concurrency.
      expect(receiver.received.length - seen.size).toBeLessThanOrEqual(h.config.webhooks.concurrency);
      const eventOf = new Map(rows.map((r) => [r.id, r.event_id]));
      for (const [id, bodies] of seen) expect(JSON.parse([...bodies][0] ?? '{}').id).toBe(eventOf.get(id));
    } finally {
      await receiver.close();
    }
  });
});
