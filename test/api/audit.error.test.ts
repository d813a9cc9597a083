import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe('audit API: bad query parameters get a 400 that names the parameter', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let admin: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('audit_error');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
  });
  afterAll(() => h.close());

  const cases: Array<[string, string, string]> = [
    ['a cursor of garbage', 'cursor=not!base64', 'querystring/cursor'],
    ['a cursor of other base64 text', `cursor=${b64('hello')}`, 'querystring/cursor'],
    ['a cursor with a bare id', `cursor=${b64('123')}`, 'querystring/cursor'],
    ['a cursor of id zero', `cursor=${b64('a1:0')}`, 'querystring/cursor'],
    ['a cursor with a negative id', `cursor=${b64('a1:-5')}`, 'querystring/cursor'],
    ['a cursor past bigint', `cursor=${b64('a1:9223372036854775808')}`, 'querystring/cursor'],
    ['a cursor with trailing junk', `cursor=${b64('a1:12 OR 1=1')}`, 'querystring/cursor'],
    ['an over-long cursor', `cursor=${'A'.repeat(65)}`, 'querystring/cursor'],
    ['a time cursor with an impossible month', `cursor=${b64('t1:2026-13-01T00:00:00.000000:5')}&from=2026-01-01T00:00:00Z`, 'querystring/cursor'],
    ['a time cursor without microseconds', `cursor=${b64('t1:2026-03-01T00:00:00:5')}&from=2026-01-01T00:00:00Z`, 'querystring/cursor'],
    ['an id cursor on a time window', `cursor=${b64('a1:5')}&from=2026-01-01T00:00:00Z`, 'querystring/cursor'],
    ['a time cursor without a time window', `cursor=${b64('t1:2026-03-01T00:00:00.000000:5')}`, 'querystring/cursor'],
    ['limit 0', 'limit=0', 'querystring/limit'],
    ['limit 501', 'limit=501', 'querystring/limit'],
    ['limit not a number', 'limit=ten', 'querystring/limit'],
    ['limit fractional', 'limit=2.5', 'querystring/limit'],
    ['an unknown format', 'format=xlsx', 'querystring/format'],
    ['from not a timestamp', 'from=yesterday', 'querystring/from'],
    ['from without a time zone', 'from=2026-03-01T10:00:00', 'querystring/from'],
    ['to before from', 'from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'querystring/to'],
    ['an unknown provider', 'provider=acme', 'querystring/provider'],
    ['an over-long action', `action=${'x'.repeat(65)}`, 'querystring/action'],
    ['an unknown parameter', 'page=2', 'querystring'],
  ];

  it.each(cases)('GET /audit with %s', async (_name, query, path) => {
    for (const headers of [alice, admin]) {
      const res = await h.app.inject({ url: `/api/v1/audit?${query}`, headers });
      expect(res.statusCode).toBe(400);
      const { error } = res.json();
      expect(error.code).toBe('validation_failed');
      expect(error.details.map((d: { path: string }) => d.path)).toContain(path);
      expect(error.request_id).toBe(res.headers['x-request-id']);
    }
  });

  it('refuses a bad cursor with 400 for exports too, before any byte of the export is sent', async () => {
    const res = await h.app.inject({ url: `/api/v1/audit?format=csv&cursor=${b64('nope')}`, headers: alice });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});
