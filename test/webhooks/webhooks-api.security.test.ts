import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

describe("webhooks API: another user's webhooks", () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let bobWebhook: { id: string; secret: string };
  let bobDeliveryId: string;
  beforeAll(async () => {
    h = await startApiHarness('webhooks_api_security');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    bob = { authorization: `Bearer ${await h.token('bob')}` };
    bobWebhook = (await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: bob, payload: { url: 'https://hooks.example.com/bob?token=bob-receiver-token', events: ['key_invalid'] } })).json();
    bobDeliveryId = (await h.app.inject({ method: 'POST', url: `/api/v1/webhooks/${bobWebhook.id}/test`, headers: bob })).json().id;
  });
  afterAll(() => h?.close());

  const bobRows = async () => JSON.stringify(await h.db.sql('SELECT w.*, d.* FROM webhooks w LEFT JOIN webhook_deliveries d ON d.webhook_id = w.id WHERE w.user_id = $1 ORDER BY d.id', ['bob']));

  it('are 404 to everyone else, exactly like a webhook nobody has, and stay as they were', async () => {
    const before = await bobRows();
    const nobody = '00000000-0000-4000-8000-00000000dead';
    const routes = (id: string, deliveryId: string) =>
      [
        ['GET', `/api/v1/webhooks/${id}`, undefined],
        ['PATCH', `/api/v1/webhooks/${id}`, { enabled: false, url: 'https://attacker.example.com/' }],
        ['DELETE', `/api/v1/webhooks/${id}`, undefined],
        ['GET', `/api/v1/webhooks/${id}/deliveries`, undefined],
        ['POST', `/api/v1/webhooks/${id}/test`, undefined],
        ['POST', `/api/v1/webhooks/${id}/deliveries/${deliveryId}/redeliver`, undefined],
      ] as const;
    const theirs = routes(bobWebhook.id, bobDeliveryId);
    const nobodys = routes(nobody, nobody);
    for (const [i, [method, url, payload]] of theirs.entries()) {
      const res = await h.app.inject({ method, url, headers: alice, ...(payload ? { payload } : {}) });
      const [, controlUrl] = nobodys[i] ?? [];
      const control = await h.app.inject({ method, url: controlUrl ?? '', headers: alice, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.message).toBe(control.json().error.message);
      expect(res.body).not.toContain('hooks.example.com');
    }
    // Alice's own webhook with Bob's delivery id: the delivery is not hers either.
    const own = (await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: alice, payload: { url: 'https://hooks.example.com/alice', events: ['key_invalid'] } })).json();
    const cross = await h.app.inject({ method: 'POST', url: `/api/v1/webhooks/${own.id}/deliveries/${bobDeliveryId}/redeliver`, headers: alice });
    expect(cross.statusCode).toBe(404);
    expect((await h.app.inject({ url: '/api/v1/webhooks', headers: alice })).json().webhooks.map((w: { id: string }) => w.id)).toEqual([own.id]);
    expect(await bobRows()).toBe(before);
  });

  it('never put a signing secret or a receiver token in a log line', () => {
    const logs = h.logs.join('');
    expect(logs).not.toContain(bobWebhook.secret);
    expect(logs).not.toContain('bob-receiver-token');
  });
});
