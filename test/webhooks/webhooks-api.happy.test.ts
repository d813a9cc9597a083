import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookDeliveryWorker } from '@byok/notifications/webhooks';
import type { RunningWorker } from '@byok/queues';
import { createLogger } from '@byok/telemetry';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { startReceiver, type Receiver } from './support/receiver.js';

interface DeliveryView {
  id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_response_code: number | null;
}

describe('webhooks API', () => {
  let h: ApiHarness;
  let worker: RunningWorker;
  let receiver: Receiver;
  let alice: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('webhooks_api', { env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
    receiver = await startReceiver();
    // The notifier process's part, run here so "send a test event" and redeliver really deliver.
    worker = startWebhookDeliveryWorker({
      orm: h.runtime.orm,
      keyring: h.runtime.keyring,
      logger: createLogger({ level: 'silent', name: 'webhooks-api-test' }),
      redisUrl: h.config.redisUrl,
      redisPrefix: h.redisPrefix,
      production: false,
      webhooks: h.config.webhooks,
    });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
  });
  afterAll(async () => {
    await worker?.close();
    await receiver?.close();
    await h?.close();
  });

  const deliveriesOf = async (id: string, query = '') => {
    const res = await h.app.inject({ url: `/api/v1/webhooks/${id}/deliveries${query}`, headers: alice });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ deliveries: DeliveryView[]; next_cursor: string | null }>();
  };
  const waitForDelivered = async (id: string, attempts: number) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [latest] = (await deliveriesOf(id)).deliveries;
      if (latest?.status === 'delivered' && latest.attempts === attempts) return latest;
      if (Date.now() > deadline) throw new Error(`not delivered: ${JSON.stringify(latest)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  it('creates a webhook with a secret shown once, lists, reads, changes and deletes it, auditing each change without the secret', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: alice, payload: { url: receiver.url, events: ['key_invalid', 'key_no_credit'] } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const webhook = created.json<{ id: string; secret: string; url: string; events: string[]; enabled: boolean }>();
    expect(webhook).toMatchObject({ url: receiver.url, events: ['key_invalid', 'key_no_credit'], enabled: true });
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const [stored] = await h.db.sql<{ secret_encrypted: string }>('SELECT secret_encrypted FROM webhooks WHERE id = $1', [webhook.id]);
    expect(stored?.secret_encrypted).not.toContain(webhook.secret);
    expect(h.runtime.keyring.decrypt(stored?.secret_encrypted ?? '')).toBe(webhook.secret);

    const list = await h.app.inject({ url: '/api/v1/webhooks', headers: alice });
    expect(list.json().webhooks).toEqual([expect.objectContaining({ id: webhook.id, url: receiver.url })]);
    expect(list.body).not.toContain(webhook.secret);
    expect((await h.app.inject({ url: `/api/v1/webhooks/${webhook.id}`, headers: alice })).json()).not.toHaveProperty('secret');

    const patched = await h.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${webhook.id}`, headers: alice, payload: { enabled: false, events: ['key_recovered'] } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ enabled: false, events: ['key_recovered'], url: receiver.url });

    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${webhook.id}`, headers: alice })).statusCode).toBe(204);
    expect((await h.app.inject({ url: `/api/v1/webhooks/${webhook.id}`, headers: alice })).statusCode).toBe(404);

    const audit = await h.db.sql<{ action: string; details: Record<string, unknown> }>(`SELECT action, details FROM audit_log WHERE action LIKE 'webhook.%' ORDER BY id`);
    expect(audit.map((a) => a.action)).toEqual(['webhook.created', 'webhook.updated', 'webhook.deleted']);
    expect(audit[0]?.details).toMatchObject({ webhook_id: webhook.id, url_origin: new URL(receiver.url).origin, events: ['key_invalid', 'key_no_credit'], enabled: true });
    expect(audit[1]?.details).toMatchObject({ changed: ['enabled', 'events'], enabled: false });
    const dump = JSON.stringify(audit);
    expect(dump).not.toContain(webhook.secret);
    // Only the origin: a path or query string may carry the receiver's own token.
    expect(dump).not.toContain('/hook');
    expect(h.logs.join('')).not.toContain(webhook.secret);
  });

  it('sends a test event, shows it in the delivery log, and redelivers it', async () => {
    const webhook = (await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: alice, payload: { url: receiver.url, events: ['key_invalid'] } })).json<{ id: string }>();
    receiver.received.length = 0;
    const sent = await h.app.inject({ method: 'POST', url: `/api/v1/webhooks/${webhook.id}/test`, headers: alice });
    expect(sent.statusCode, sent.body).toBe(202);
    const delivery = sent.json<DeliveryView>();
    expect(delivery).toMatchObject({ event_type: 'test', status: 'pending', attempts: 0 });

    expect(await waitForDelivered(webhook.id, 1)).toMatchObject({ id: delivery.id, last_response_code: 204 });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.headers['x-byok-event']).toBe('test');
    expect(JSON.parse(receiver.received[0]?.rawBody ?? '{}')).toMatchObject({ type: 'test', userId: 'alice', subject: { kind: 'account' } });

    const again = await h.app.inject({ method: 'POST', url: `/api/v1/webhooks/${webhook.id}/deliveries/${delivery.id}/redeliver`, headers: alice });
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ id: delivery.id, status: 'pending', attempts: 1 });
    await waitForDelivered(webhook.id, 2);
    expect(receiver.received.map((r) => r.headers['x-byok-delivery'])).toEqual([delivery.id, delivery.id]);
  });

  it('pages the delivery log newest first with a cursor', async () => {
    const webhook = (await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: alice, payload: { url: receiver.url, events: ['key_invalid'] } })).json<{ id: string }>();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.app.inject({ method: 'POST', url: `/api/v1/webhooks/${webhook.id}/test`, headers: alice })).json<DeliveryView>().id);
    const first = await deliveriesOf(webhook.id, '?limit=2');
    const second = await deliveriesOf(webhook.id, `?limit=2&cursor=${first.next_cursor}`);
    const third = await deliveriesOf(webhook.id, `?limit=2&cursor=${second.next_cursor}`);
    expect(third.next_cursor).toBeNull();
    expect([...first.deliveries, ...second.deliveries, ...third.deliveries].map((d) => d.id)).toEqual([...ids].reverse());
  });
});
