import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

/**
 * One fuzz class per 500 the outside security test found on the key, usage, audit and credit
 * routes (#12, "Nine 500s on bad input"): each class generates the bad input in many shapes and
 * places, and every answer must be a 400 in the error shape that names the field, with nothing
 * stored. `FUZZ_SEED` replays a run.
 */
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 2_147_483_647;
const RUNS = 40;

/** Text with at least one lone surrogate somewhere in it (high or low, at the start, middle or end). */
const withLoneSurrogate = fc
  .tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 20 }))
  .map(([before, code, after]) => `${before}${String.fromCharCode(code)}${after}`)
  .filter((text) => /\p{Cs}/u.test(text));

/** A metadata object with a lone surrogate in one key or one value, at some depth. */
const metadataWithLoneSurrogate = fc
  .tuple(fc.array(fc.constantFrom('a', 'notes', 'tags', 'x'), { maxLength: 4 }), fc.boolean(), withLoneSurrogate, fc.boolean())
  .map(([path, inKey, bad, inArray]) => {
    let value: unknown = inKey ? { [bad]: 'v' } : inArray ? ['ok', bad] : bad;
    for (const key of [...path].reverse()) value = { [key]: value };
    return { outer: value } as Record<string, unknown>;
  });

/** A day that looks like YYYY-MM-DD but is year 0, before the epoch, or not a day of its month. */
const impossibleDay = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([m, d]) => `0000-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
  fc.integer({ min: 1, max: 1969 }).map((y) => `${String(y).padStart(4, '0')}-06-15`),
  fc.constantFrom('2026-02-30', '2026-04-31', '2025-02-29', '2026-13-01', '2026-00-10'),
);

/** A timestamp in an audit cursor whose day does not exist (Date.parse rolls these over). */
const impossibleCursorTime = fc.oneof(
  fc.constantFrom('2026-02-30', '2026-02-31', '2025-02-29', '2026-04-31', '2026-06-31', '0000-01-01').map((day) => `${day}T10:00:00.000000`),
  fc.integer({ min: 1, max: 99 }).map((n) => `2026-13-${String((n % 28) + 1).padStart(2, '0')}T00:00:00.000000`),
);

const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe('bad input that made 500s: a fuzz class each, every answer a 400 naming the field', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let admin: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('bad_input_classes');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
  });
  afterAll(() => h.close());

  async function expect400(res: { statusCode: number; body: string; headers: Record<string, unknown> }, path: RegExp): Promise<void> {
    expect(res.statusCode, res.body).toBe(400);
    const error = JSON.parse(res.body).error;
    expect(error.code).toBe('validation_failed');
    expect(error.message).toMatch(path);
    expect(error.request_id).toBe(res.headers['x-request-id']);
  }

  const property = (arbitrary: fc.Arbitrary<unknown>, check: (value: never) => Promise<void>) =>
    fc.assert(fc.asyncProperty(arbitrary, async (value) => check(value as never)), { numRuns: RUNS, seed });

  it('lone surrogates in api_key', async () => {
    await property(withLoneSurrogate, async (bad: string) => {
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'together', api_key: `fake-${bad}`, allow_unrecognized_format: true } });
      await expect400(res, /^body\/api_key: .*lone UTF-16 surrogate/);
    });
    expect(await h.db.sql("SELECT count(*)::int AS n FROM user_provider_keys WHERE user_id = 'alice'")).toEqual([{ n: 0 }]);
  });

  it('lone surrogates anywhere in metadata (keys and values, any depth)', async () => {
    await property(metadataWithLoneSurrogate, async (metadata: Record<string, unknown>) => {
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'groq', api_key: FAKE_KEYS.groq, metadata } });
      await expect400(res, /^body\/metadata\/outer.*: .*lone UTF-16 surrogate/);
    });
    expect(await h.db.sql("SELECT count(*)::int AS n FROM user_provider_keys WHERE user_id = 'alice'")).toEqual([{ n: 0 }]);
  });

  it('lone surrogates in a credit grant reason', async () => {
    await property(withLoneSurrogate, async (reason: string) => {
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/admin/credits/grant', headers: admin, payload: { user: 'alice', amount: 1, reason } });
      await expect400(res, /^body\/reason: .*lone UTF-16 surrogate/);
    });
    expect(await h.db.sql("SELECT count(*)::int AS n FROM credit_ledger WHERE user_id = 'alice'")).toEqual([{ n: 0 }]);
  });

  it('impossible days (year 0, before 1970, not in the month) as from or to on every usage route', async () => {
    const routes = ['/api/v1/llm/usage', '/api/v1/llm/byok/keys/openai/usage', '/api/v1/admin/usage'];
    await property(fc.tuple(impossibleDay, fc.constantFrom('from', 'to'), fc.constantFrom(...routes)), async ([day, name, route]: [string, string, string]) => {
      const res = await h.app.inject({ url: `${route}?${name}=${day}`, headers: route.includes('/admin/') ? admin : alice });
      await expect400(res, new RegExp(`^querystring/${name}: `));
    });
  });

  it('audit cursors holding a timestamp that does not exist', async () => {
    await property(fc.tuple(impossibleCursorTime, fc.integer({ min: 1, max: 1_000_000 })), async ([time, id]: [string, number]) => {
      const res = await h.app.inject({ url: `/api/v1/audit?from=2026-01-01T00:00:00Z&cursor=${b64(`t1:${time}:${id}`)}`, headers: alice });
      await expect400(res, /^querystring\/cursor: /);
    });
  });

  it('audit from/to in year 0', async () => {
    for (const name of ['from', 'to']) {
      const res = await h.app.inject({ url: `/api/v1/audit?${name}=0000-01-01T00:00:00Z`, headers: alice });
      await expect400(res, new RegExp(`^querystring/${name}: `));
    }
  });
});
