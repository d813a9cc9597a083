import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from '../support/api-harness.js';

/**
 * Ajv's type coercion turns the text `1e309` or `Infinity` of a numeric query, path or body field
 * into Infinity and then skips `minimum`/`maximum` for it, so `?limit=1e309` passed validation and
 * came back as a 500 (found by the long schema fuzz). Every such value is a 400 naming the field.
 */
describe('numbers that are not finite', () => {
  let h: ApiHarness;
  let user: Record<string, string>;
  let admin: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('api_non_finite');
    user = { authorization: `Bearer ${await h.token('finite-user')}` };
    admin = { authorization: `Bearer ${await h.token('finite-admin', { admin: true })}` };
  });
  afterAll(() => h.close());

  it.each([
    ['/api/v1/admin/byok/keys?limit=1e309', 'querystring/limit', 'admin'],
    ['/api/v1/admin/byok/keys?offset=-1e309', 'querystring/offset', 'admin'],
    ['/api/v1/admin/byok/keys?limit=Infinity&offset=12057', 'querystring/limit', 'admin'],
    ['/api/v1/audit?limit=1e400', 'querystring/limit', 'user'],
  ] as const)('GET %s is a 400 naming %s', async (url, path, who) => {
    const res = await h.app.inject({ method: 'GET', url, headers: who === 'admin' ? admin : user });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'validation_failed', message: `${path}: must be a finite number`, details: [{ path, message: 'must be a finite number' }] } });
  });

  it('refuses a numeric body field sent as the text 1e309, and stores nothing', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: user, payload: { name: 'never', expires_in_days: '1e309' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'body/expires_in_days' }] } });
    expect(await h.db.sql('SELECT id FROM gateway_tokens WHERE user_id = $1', ['finite-user'])).toEqual([]);
  });

  it('still takes finite numbers: as text in a query string, as JSON numbers in a body', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/admin/byok/keys?limit=1e1&offset=0', headers: admin })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/audit?limit=5', headers: user })).statusCode).toBe(200);
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: user, payload: { name: 'kept', expires_in_days: 30 } });
    expect(created.statusCode).toBe(201);
  });

  it('takes a JSON body as sent: a number as text is a 400 naming the field, never coerced', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: user, payload: { name: 'as-text', expires_in_days: '3e1' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'body/expires_in_days' }] } });
  });
});
