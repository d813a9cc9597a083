import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { reconnectRedis } from './support/webhook-harness.js';

const URL_OK = 'https://hooks.example.com/byok';

describe('webhooks API: bad input and refusals (WEBHOOK_ALLOW_PRIVATE unset)', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let webhookId: string;
  beforeAll(async () => {
    h = await startApiHarness('webhooks_api_error');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: alice, payload: { url: URL_OK, events: ['key_invalid'] } });
    webhookId = created.json<{ id: string }>().id;
  });
  afterAll(() => h?.close());

  const expect400 = async (request: { method?: 'GET' | 'POST' | 'PATCH'; url: string; payload?: object }, field: RegExp) => {
    const res = await h.app.inject({ headers: alice, ...request });
    expect(res.statusCode, `${JSON.stringify(request)}: ${res.body}`).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.message).toMatch(field);
  };

  it.each([
    [{ events: ['key_invalid'] }, /url/],
    [{ url: URL_OK }, /events/],
    [{ url: URL_OK, events: [] }, /events/],
    [{ url: URL_OK, events: ['key_exploded'] }, /events/],
    [{ url: URL_OK, events: ['test'] }, /events/],
    [{ url: URL_OK, events: ['key_invalid', 'key_invalid'] }, /events/],
    [{ url: URL_OK, events: ['key_invalid'], secret: 'whsec_mine' }, /secret/],
    [{ url: 'not a url', events: ['key_invalid'] }, /body\/url: is not an absolute URL/],
    [{ url: 'ftp://hooks.example.com/', events: ['key_invalid'] }, /body\/url: must use https/],
    [{ url: 'https://user:pw@hooks.example.com/', events: ['key_invalid'] }, /body\/url: must not contain a user name or password/],
    [{ url: `https://hooks.example.com/${'a'.repeat(2048)}`, events: ['key_invalid'] }, /url/],
    [{ url: 'http://127.0.0.1:9000/', events: ['key_invalid'] }, /body\/url: points at a non-public address \(127\.0\.0\.1 is a loopback address\)/],
    [{ url: 'http://169.254.169.254/latest/meta-data/', events: ['key_invalid'] }, /metadata/],
    [{ url: 'http://[fd00:ec2::254]/', events: ['key_invalid'] }, /unique-local/],
    [{ url: 'http://localhost:3000/', events: ['key_invalid'] }, /localhost/],
  ])('refuses to create %j', async (payload, field) => {
    await expect400({ method: 'POST', url: '/api/v1/webhooks', payload }, field);
  });

  it('refuses empty or bad changes, and checks a new URL like a new webhook', async () => {
    await expect400({ method: 'PATCH', url: `/api/v1/webhooks/${webhookId}`, payload: {} }, /body/);
    await expect400({ method: 'PATCH', url: `/api/v1/webhooks/${webhookId}`, payload: { url: 'http://10.0.0.5/' } }, /body\/url: .*private/);
    await expect400({ method: 'PATCH', url: `/api/v1/webhooks/${webhookId}`, payload: { enabled: 'yes please' } }, /enabled/);
    await expect400({ method: 'PATCH', url: '/api/v1/webhooks/not-a-uuid', payload: { enabled: true } }, /params\/id/);
  });

  it('measures a URL as it is stored: one within 2,048 characters that percent-encoding takes past them is a 400, not the column\'s 500', async () => {
    // 2,020 characters as sent, 12,020 once normalised.
    await expect400({ method: 'POST', url: '/api/v1/webhooks', payload: { url: `https://example.com/${'é'.repeat(2000)}`, events: ['key_invalid'] } }, /body\/url: is 12020 characters once normalised/);
    await expect400({ method: 'PATCH', url: `/api/v1/webhooks/${webhookId}`, payload: { url: `https://example.com/${' x'.repeat(1000)}` } }, /body\/url: is 4020 characters once normalised/);
  });

  it('refuses cursors it did not issue and limits out of range', async () => {
    const base = `/api/v1/webhooks/${webhookId}/deliveries`;
    await expect400({ url: `${base}?cursor=${Buffer.from('d1:2026-02-30T00:00:00.000000Z:00000000-0000-4000-8000-000000000001').toString('base64url')}` }, /cursor/);
    await expect400({ url: `${base}?cursor=bm9uZQ` }, /cursor/);
    await expect400({ url: `${base}?limit=0` }, /limit/);
    await expect400({ url: `${base}?limit=201` }, /limit/);
  });

  it('answers 404 for a webhook or delivery that does not exist', async () => {
    const nobody = '00000000-0000-4000-8000-00000000dead';
    for (const [method, url] of [
      ['GET', `/api/v1/webhooks/${nobody}`],
      ['PATCH', `/api/v1/webhooks/${nobody}`],
      ['DELETE', `/api/v1/webhooks/${nobody}`],
      ['GET', `/api/v1/webhooks/${nobody}/deliveries`],
      ['POST', `/api/v1/webhooks/${nobody}/test`],
      ['POST', `/api/v1/webhooks/${webhookId}/deliveries/${nobody}/redeliver`],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: alice, ...(method === 'PATCH' ? { payload: { enabled: true } } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });

  it('refuses a test event to a disabled webhook (409)', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: alice, payload: { url: URL_OK, events: ['key_invalid'], enabled: false } });
    const res = await h.app.inject({ method: 'POST', url: `/api/v1/webhooks/${created.json().id}/test`, headers: alice });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/disabled/) });
  });

  it('limits test events to 5 per webhook per minute (429 with Retry-After), each webhook on its own', async () => {
    const create = async () => (await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: alice, payload: { url: URL_OK, events: ['key_invalid'] } })).json<{ id: string }>().id;
    const [busy, quiet] = [await create(), await create()];
    const test = (id: string) => h.app.inject({ method: 'POST', url: `/api/v1/webhooks/${id}/test`, headers: alice });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await test(busy)).statusCode);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    const refused = await test(busy);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/at most 5 per minute\. Try again in \d+ s/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.json().error.retry_after).toBe(Number(refused.headers['retry-after']));
    // Refusals queue nothing: the log holds the five that were accepted.
    expect((await h.app.inject({ url: `/api/v1/webhooks/${busy}/deliveries`, headers: alice })).json().deliveries).toHaveLength(5);
    expect((await test(quiet)).statusCode).toBe(202);
  });

  it('caps webhooks per user at 20 (409 for one more)', async () => {
    const bob = { authorization: `Bearer ${await h.token('bob-many')}` };
    const statuses = [];
    for (let i = 0; i < 21; i++) statuses.push((await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: bob, payload: { url: `${URL_OK}/${i}`, events: ['key_invalid'] } })).statusCode);
    expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true);
    expect(statuses[20]).toBe(409);
  });

  it('requires sign-in', async () => {
    expect((await h.app.inject({ url: '/api/v1/webhooks' })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url: URL_OK, events: ['key_invalid'] } })).statusCode).toBe(401);
  });

  it('answers 503 when the queue is away for a test event, keeping the webhook and leaving no stranded delivery', async () => {
    h.runtime.redis.disconnect();
    try {
      const res = await h.app.inject({ method: 'POST', url: `/api/v1/webhooks/${webhookId}/test`, headers: alice });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error.code).toBe('queue_unavailable');
    } finally {
      await reconnectRedis(h.runtime.redis);
    }
    expect((await h.app.inject({ url: `/api/v1/webhooks/${webhookId}`, headers: alice })).statusCode).toBe(200);
    expect((await h.app.inject({ url: `/api/v1/webhooks/${webhookId}/deliveries`, headers: alice })).json().deliveries).toEqual([]);
  });
});
