import { DeliveryInProgressError } from '@byok/notifications/webhooks';
import { QueueUnavailableError } from '@byok/queues';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../webhooks/support/receiver.js';
import { reconnectRedis, startWebhookHarness, type WebhookHarness } from '../webhooks/support/webhook-harness.js';

describe('webhook deliveries', () => {
  let h: WebhookHarness;
  let receiver: Receiver;
  beforeAll(async () => {
    h = await startWebhookHarness('webhooks_delivery', { allowPrivate: true });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.handle((_req, res) => res.writeHead(204).end());
  });

  it('POSTs the event as JSON with its type, delivery id and signature, once per event however often it is enqueued', async () => {
    const hook = await h.createWebhook({ userId: 'alice', url: receiver.url });
    const event = h.event('alice');
    await h.channel.enqueueFor(event);
    await h.channel.enqueueFor(event);
    const [row] = await h.waitFor(hook.id, (rows) => rows[0]?.status === 'delivered');
    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    expect(delivery?.headers['content-type']).toBe('application/json');
    expect(delivery?.headers['x-byok-event']).toBe('key_invalid');
    expect(delivery?.headers['x-byok-delivery']).toBe(row?.id);
    expect(delivery?.headers['x-byok-signature']).toMatch(/^t=\d{10},v1=[0-9a-f]{64}$/);
    expect(JSON.parse(delivery?.rawBody ?? '')).toEqual(event);
    expect(row).toMatchObject({ eventId: event.id, eventType: 'key_invalid', attempts: 1, lastResponseCode: 204, lastError: null, nextAttemptAt: null });
  });

  it('leaves out webhooks that are disabled, not subscribed to the type, or someone else\'s', async () => {
    const off = await h.createWebhook({ userId: 'bob', url: receiver.url, enabled: false });
    const other = await h.createWebhook({ userId: 'bob', url: receiver.url, events: ['key_recovered'] });
    const carol = await h.createWebhook({ userId: 'carol', url: receiver.url });
    const on = await h.createWebhook({ userId: 'bob', url: receiver.url });
    await h.channel.enqueueFor(h.event('bob'));
    await h.waitFor(on.id, (rows) => rows[0]?.status === 'delivered');
    for (const hook of [off, other, carol]) expect(await h.deliveries(hook.id)).toEqual([]);
    expect(receiver.received).toHaveLength(1);
  });

  it('names, for a batch, only the owners with an enabled webhook subscribed to one of its types', async () => {
    await h.createWebhook({ userId: 'quinn', url: receiver.url, enabled: false });
    await h.createWebhook({ userId: 'rosa', url: receiver.url, events: ['key_recovered'] });
    await h.createWebhook({ userId: 'sam "o, brace}', url: receiver.url });
    const owners = await h.channel.subscribedOwners([h.event('quinn'), h.event('rosa'), h.event('sam "o, brace}'), h.event('nobody-with-hooks')]);
    expect([...owners]).toEqual(['sam "o, brace}']);
    expect([...(await h.channel.subscribedOwners([h.event('rosa', 'key_recovered')]))]).toEqual(['rosa']);
    expect((await h.channel.subscribedOwners([])).size).toBe(0);
  });

  it('retries non-2xx answers and network errors with backoff, recording each attempt, until one succeeds', async () => {
    let calls = 0;
    receiver.handle((_req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(503, { 'content-type': 'text/plain' }).end('busy, come back later');
      else if (calls === 2) res.socket?.destroy();
      else res.writeHead(200).end('ok');
    });
    const hook = await h.createWebhook({ userId: 'dave', url: receiver.url });
    await h.channel.enqueueFor(h.event('dave'));
    const seen: string[] = [];
    const [row] = await h.waitFor(hook.id, (rows) => {
      const r = rows[0];
      if (r && r.status !== 'pending') seen.push(`${r.status}:${r.attempts}:${r.lastResponseCode ?? '-'}`);
      return r?.status === 'delivered';
    });
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastResponseCode: 200, lastResponseExcerpt: 'ok', lastError: null, nextAttemptAt: null });
    expect(receiver.received).toHaveLength(3);
    // The same delivery each time: same id, same bytes.
    expect(new Set(receiver.received.map((r) => r.headers['x-byok-delivery'])).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.rawBody)).size).toBe(1);
    // The log showed the failed attempts while they waited for their retry.
    expect(seen).toContain('retrying:1:503');
    expect(seen.some((s) => s.startsWith('retrying:2:'))).toBe(true);
  });

  it('records the answer of a failed attempt, its error and when it will be tried again', async () => {
    const slow = await startWebhookHarness('webhooks_delivery_slow_retry', { allowPrivate: true, retrySchedule: { firstDelayMs: 60_000, maxDelayMs: 60_000, windowMs: 3_600_000 } });
    try {
      receiver.handle((_req, res) => res.writeHead(500).end('{"error":"boom"}'));
      const hook = await slow.createWebhook({ userId: 'erin', url: receiver.url });
      const before = Date.now();
      await slow.channel.enqueueFor(slow.event('erin'));
      const [row] = await slow.waitFor(hook.id, (rows) => rows[0]?.status === 'retrying');
      expect(row).toMatchObject({ attempts: 1, lastResponseCode: 500, lastResponseExcerpt: '{"error":"boom"}', lastError: 'the receiver answered 500' });
      const next = Date.parse(row?.nextAttemptAt ?? '');
      // 60 s less up to a tenth of jitter.
      expect(next).toBeGreaterThanOrEqual(before + 53_000);
      expect(next).toBeLessThanOrEqual(Date.now() + 60_000);
    } finally {
      await slow.close();
    }
  });

  it('gives up when the retry window is over, and marks the delivery failed', async () => {
    const short = await startWebhookHarness('webhooks_delivery_window', { allowPrivate: true, retrySchedule: { firstDelayMs: 50, maxDelayMs: 50, windowMs: 400 } });
    try {
      receiver.handle((_req, res) => res.writeHead(502).end());
      const hook = await short.createWebhook({ userId: 'frank', url: receiver.url });
      await short.channel.enqueueFor(short.event('frank'));
      const [row] = await short.waitFor(hook.id, (rows) => rows[0]?.status === 'failed');
      expect(row?.attempts).toBeGreaterThanOrEqual(2);
      expect(row?.lastError).toMatch(/answered 502/);
      expect(row?.nextAttemptAt).toBeNull();
      const attempts = receiver.received.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(attempts);
    } finally {
      await short.close();
    }
  });

  it('redelivers a delivered event on request: same delivery id and body, a fresh signature, one more attempt', async () => {
    const hook = await h.createWebhook({ userId: 'gina', url: receiver.url });
    await h.channel.enqueueFor(h.event('gina'));
    const [first] = await h.waitFor(hook.id, (rows) => rows[0]?.status === 'delivered');
    const reopened = await h.channel.redeliver(h.db.orm.em.fork(), hook.id, first?.id ?? '');
    expect(reopened?.status).toBe('pending');
    const [again] = await h.waitFor(hook.id, (rows) => rows[0]?.status === 'delivered' && rows[0].attempts === 2);
    expect(again?.id).toBe(first?.id);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.headers['x-byok-delivery']).toBe(first?.id);
    expect(receiver.received[1]?.rawBody).toBe(receiver.received[0]?.rawBody);
    expect(await h.channel.redeliver(h.db.orm.em.fork(), hook.id, '00000000-0000-4000-8000-00000000dead')).toBeNull();
  });

  it('closes a queued delivery unsent when its webhook was disabled meanwhile', async () => {
    const hook = await h.createWebhook({ userId: 'hana', url: receiver.url });
    await h.worker.worker.pause();
    try {
      await h.channel.enqueueFor(h.event('hana'));
      await h.db.sql('UPDATE webhooks SET enabled = false WHERE id = $1', [hook.id]);
    } finally {
      h.worker.worker.resume();
    }
    const [row] = await h.waitFor(hook.id, (rows) => rows[0]?.status === 'failed');
    expect(row).toMatchObject({ attempts: 0, lastError: 'not sent: the webhook was disabled' });
    expect(receiver.received).toHaveLength(0);
  });

  it('fails a delivery whose signing secret no configured key opens, saying so, without sending it', async () => {
    const hook = await h.createWebhook({ userId: 'ivy', url: receiver.url });
    // As after an encryption-key rotation that dropped the key the secret was stored under.
    await h.db.sql('UPDATE webhooks SET secret_encrypted = $1 WHERE id = $2', ['gAAAAABnot-a-token-any-configured-key-opens', hook.id]);
    await h.channel.enqueueFor(h.event('ivy'));
    const [row] = await h.waitFor(hook.id, (rows) => rows[0]?.status === 'failed');
    expect(row?.lastError).toMatch(/signing secret cannot be decrypted/);
    expect(row).toMatchObject({ attempts: 0, nextAttemptAt: null });
    expect(receiver.received).toHaveLength(0);
  });

  it('drops a queued delivery quietly when its webhook was deleted meanwhile', async () => {
    const hook = await h.createWebhook({ userId: 'jack', url: receiver.url });
    await h.worker.worker.pause();
    let jobId: string | undefined;
    try {
      await h.channel.enqueueFor(h.event('jack'));
      [jobId] = (await h.producers.webhookDeliveries.queue.getWaiting()).map((job) => String(job.id));
      await h.db.sql('DELETE FROM webhooks WHERE id = $1', [hook.id]);
    } finally {
      h.worker.worker.resume();
    }
    const queue = h.producers.webhookDeliveries.queue;
    for (let i = 0; i < 200 && !(await queue.getJob(jobId ?? ''))?.finishedOn; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await (await queue.getJob(jobId ?? ''))?.getState()).toBe('completed');
    expect((await queue.getJob(jobId ?? ''))?.returnvalue).toBe('webhook_deleted');
    expect(receiver.received).toHaveLength(0);
  });

  it('keeps an event whose jobs Redis refused, and delivers it once when the notifier calls again', async () => {
    const hook = await h.createWebhook({ userId: 'kate', url: receiver.url });
    const event = h.event('kate');
    h.connection.disconnect();
    try {
      await expect(h.channel.enqueueFor(event)).rejects.toBeInstanceOf(QueueUnavailableError);
    } finally {
      await reconnectRedis(h.connection);
    }
    expect(await h.deliveries(hook.id)).toEqual([expect.objectContaining({ eventId: event.id, status: 'pending', attempts: 0 })]);
    await h.channel.enqueueFor(event);
    await h.channel.enqueueFor(event);
    await h.waitFor(hook.id, (rows) => rows[0]?.status === 'delivered');
    expect(receiver.received).toHaveLength(1);
  });

  it('refuses to redeliver while an attempt of the delivery is running, and leaves that attempt alone', async () => {
    let release: (() => void) | undefined;
    receiver.handle((_req, res) => {
      release = () => res.writeHead(200).end();
    });
    const hook = await h.createWebhook({ userId: 'liam', url: receiver.url });
    await h.channel.enqueueFor(h.event('liam'));
    for (let i = 0; i < 400 && receiver.received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const [row] = await h.deliveries(hook.id);
    await expect(h.channel.redeliver(h.db.orm.em.fork(), hook.id, row?.id ?? '')).rejects.toBeInstanceOf(DeliveryInProgressError);
    release?.();
    const [done] = await h.waitFor(hook.id, (rows) => rows[0]?.status === 'delivered');
    expect(done?.attempts).toBe(1);
    expect(receiver.received).toHaveLength(1);
  });
});
