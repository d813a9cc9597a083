import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepNesting, toJsonText } from '../support/json-schema-arbitrary.js';
import { errorShapeProblem } from './support/error-shape.js';
import { startSecurityHarness, type SecurityHarness } from './support/security-harness.js';

/**
 * One fuzz class per 500 the outside security test found in authentication and request parsing
 * (issue #12, Low, "Nine 500s on bad input"): lone UTF-16 surrogates in a JWT `sub` and in a
 * gateway token name, and JSON nested 5,000–10,000 levels. Each class generates many variants and
 * checks the answer is the named 4xx in the error shape, never a 500. FUZZ_RUNS scales them.
 */

const RUNS = Math.max(20, Math.min(200, Number(process.env.FUZZ_RUNS ?? 40)));

let h: SecurityHarness;
let user: Record<string, string>;
beforeAll(async () => {
  h = await startSecurityHarness('bad_input_classes');
  user = await h.bearer('bad-input-user');
}, 120_000);
afterAll(() => h?.close());

const loneSurrogate = fc.oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map((c) => String.fromCharCode(c));
/** Ordinary text with one lone surrogate somewhere in it (start, middle or end). */
const withLoneSurrogate = (maxLength: number) =>
  fc.tuple(fc.string({ maxLength }), loneSurrogate, fc.string({ maxLength })).map(([before, lone, after]) => `${before}${lone}${after}`).filter((s) => /\p{Cs}/u.test(s));

type Answer = Awaited<ReturnType<SecurityHarness['app']['inject']>>;

function errorOf(res: Answer): { code: string; message: string; details?: Array<{ path: string; message: string }> } {
  expect(errorShapeProblem(res), res.body.slice(0, 300)).toBeUndefined();
  return res.json<{ error: { code: string; message: string; details?: Array<{ path: string; message: string }> } }>().error;
}

describe('class: lone surrogates in a JWT subject', () => {
  it('are refused with 401 invalid_token on every protected GET route of API and proxy, never a 500', async () => {
    // Every documented GET without path parameters that needs credentials (the proxy's /v1/models included).
    const routes = h.operations.filter((op) => op.method === 'GET' && !op.public && !op.path.includes('{')).map((op) => op.path);
    expect(routes).toEqual(expect.arrayContaining(['/api/v1/llm/byok/keys', '/v1/models']));
    await fc.assert(
      fc.asyncProperty(withLoneSurrogate(20).filter((s) => s.trim() !== '' && s.length <= 255), fc.constantFrom(...routes), async (subject, url) => {
        const res = await h.app.inject({ url, headers: { authorization: `Bearer ${await h.api.token(subject)}` } });
        expect(res.statusCode, `${url} ${JSON.stringify(subject)}: ${res.body.slice(0, 200)}`).toBe(401);
        expect(errorOf(res)).toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/not valid text/) });
      }),
      { numRuns: RUNS },
    );
  });

  it('never become one identity: two such subjects own nothing of each other (nothing is stored for either)', async () => {
    for (const subject of ['twin\uD800', 'twin\uDBFF']) {
      const headers = { authorization: `Bearer ${await h.api.token(subject)}` };
      expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers, payload: { name: 'mine' } })).statusCode).toBe(401);
    }
    const rows = await h.api.runtime.orm.em.fork().execute<Array<{ n: string }>>("SELECT count(*) AS n FROM gateway_tokens WHERE user_id LIKE 'twin%'");
    expect(Number(rows[0]?.n)).toBe(0);
  });
});

describe('class: lone surrogates in a gateway token name', () => {
  it('are refused with 400 validation_failed naming body/name, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(withLoneSurrogate(40).filter((s) => s.length <= 100), async (name) => {
        const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: { ...user, 'content-type': 'application/json' }, payload: JSON.stringify({ name }) });
        expect(res.statusCode, `${JSON.stringify(name)}: ${res.body.slice(0, 200)}`).toBe(400);
        const error = errorOf(res);
        expect(error.code).toBe('validation_failed');
        expect(error.details?.[0]).toEqual({ path: 'body/name', message: 'must be valid Unicode text (it contains a lone UTF-16 surrogate)' });
      }),
      { numRuns: RUNS },
    );
  });

  it('still accepts names with proper surrogate pairs (emoji)', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: user, payload: { name: 'laptop \u{1F4BB}' } });
    expect(res.statusCode).toBe(201);
    expect(res.json<{ name: string }>().name).toBe('laptop \u{1F4BB}');
  });
});

describe('class: JSON nested thousands of levels deep', () => {
  const BODY_ROUTES = ['/api/v1/llm/tokens', '/api/v1/llm/byok/keys', '/v1/chat/completions', '/api/v1/llm/chat/completions'];

  it('is refused with 400 invalid_json at parse time on API and proxy routes, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 129, max: 10_000 }),
        fc.constantFrom<'array' | 'object'>('array', 'object'),
        fc.constantFrom(...BODY_ROUTES),
        fc.boolean(),
        async (depth, kind, url, wrapped) => {
          const deep = toJsonText(new DeepNesting(depth, kind));
          // Deep inside a field of an otherwise valid-looking body, or the whole body.
          const payload = wrapped ? `{"name":"x","model":"gpt-4o-mini","messages":[{"role":"user","content":${deep}}]}` : deep;
          const res = await h.app.inject({ method: 'POST', url, headers: { ...user, 'content-type': 'application/json' }, payload });
          expect(res.statusCode, `${url} depth ${depth}: ${res.body.slice(0, 200)}`).toBe(400);
          const error = errorOf(res);
          expect(error.code).toBe('invalid_json');
          expect(error.message).toMatch(/deeper than 128 levels/);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('keeps parsing ordinary bodies, nesting up to the limit included', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: { ...user, 'content-type': 'application/json' }, payload: '{"name":"[[[[{{{{ not nesting"}' });
    expect(res.statusCode).toBe(201);
    const atLimit = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: { ...user, 'content-type': 'application/json' }, payload: `{"name":${toJsonText(new DeepNesting(127, 'array'))}}` });
    // Parsed (127 + the outer object = 128 levels), then refused by the schema: a string was expected.
    expect(atLimit.statusCode).toBe(400);
    expect(errorOf(atLimit).code).toBe('validation_failed');
  });

  it('keeps the prototype-poisoning check of the default parser', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: { ...user, 'content-type': 'application/json' }, payload: '{"name":"x","__proto__":{"admin":true}}' });
    expect(res.statusCode).toBe(400);
  });
});
