import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearerOf, createOrg, type Headers } from '../api/support/org-fixtures.js';
import { startApiHarness, TEST_JWT_SECRET, type ApiHarness } from '../support/api-harness.js';
import { minimalInstance } from '../support/json-schema-arbitrary.js';
import { fillPath, listOperations, parseOpenApiDocument, type OpenApiDocument, type Operation } from '../support/openapi-operations.js';
import { routesOf, toOpenApiPath, type RecordedRoute } from '../support/route-recorder.js';

vi.mock('fastify', async (importOriginal) => (await import('../support/route-recorder.js')).recordingFastify(importOriginal));

/**
 * The organization authorization matrix, generated from the route table: every route under
 * `/api/v1/orgs/{org}`, every method, called by the org's owner, an admin, a member, a member of
 * another org, a non-member, and three credentials that must not work (an expired token, a token
 * signed with another secret, a revoked gateway token). What each caller gets follows from the
 * route's declared least role (`config.orgRole`): at or above it, the route runs (no 401/403, no
 * `org_not_found`, no 5xx); a member below it, 403 `org_role_required`; anyone not in the org,
 * 404 `org_not_found`, exactly as for an org that does not exist; a bad credential, 401. An org
 * route that declares no role fails the run, so a new one cannot skip the matrix.
 */

type Role = 'owner' | 'admin' | 'member';
type Caller = Role | 'other-org-member' | 'non-member' | 'expired-token' | 'foreign-signed-token' | 'revoked-gateway-token';
const CALLERS: Caller[] = ['owner', 'admin', 'member', 'other-org-member', 'non-member', 'expired-token', 'foreign-signed-token', 'revoked-gateway-token'];
const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };
const ORG_ROUTE = /^\/api\/v1\/orgs\/:org(\/|$)/;
/** The member every `{user_id}` names: an ordinary member, so owners and admins may act on them. */
const TARGET = 'mx-target';

type Expectation = 'runs' | 'org_role_required' | 'org_not_found' | 'unauthenticated';

function expectationFor(caller: Caller, least: Role): Expectation {
  if (caller === 'owner' || caller === 'admin' || caller === 'member') return RANK[caller] >= RANK[least] ? 'runs' : 'org_role_required';
  if (caller === 'other-org-member' || caller === 'non-member') return 'org_not_found';
  return 'unauthenticated';
}

/** Values for path parameters other than `{org}`; a parameter missing here fails the run. */
const PATH_FILLERS: Record<string, string> = { user_id: TARGET, provider: 'openai', id: '00000000-0000-4000-8000-00000000beef' };
/** Body fields set to values every role's check can be reached with (a new plain member, not an owner). */
const BODY_OVERRIDES: Record<string, unknown> = { user_id: 'mx-newcomer', role: 'member' };

let h: ApiHarness;
let doc: OpenApiDocument;
let operations: Operation[];
let headersOf: Record<Caller, Headers>;

async function signed(userId: string, secret: string, expiresInSeconds: number): Promise<Headers> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ roles: [] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(h.config.auth.issuer)
    .setAudience('byok-gateway')
    .setSubject(userId)
    .setJti(randomUUID())
    .setIssuedAt(now - 7200)
    .setExpirationTime(now + expiresInSeconds)
    .sign(new TextEncoder().encode(secret));
  return { authorization: `Bearer ${token}` };
}

beforeAll(async () => {
  h = await startApiHarness('org_authz_matrix');
  doc = parseOpenApiDocument((await h.app.inject({ url: '/docs/json' })).json());
  operations = listOperations(doc);
  const owner = await bearerOf(h, 'mx-owner');
  const outsider = await bearerOf(h, 'mx-other-org-member');
  await createOrg(h, outsider, 'Another org');
  const created = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: owner, payload: { name: 'revoked' } });
  const revoked = created.json<{ id: string; token: string }>();
  expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/llm/tokens/${revoked.id}`, headers: owner })).statusCode).toBe(204);
  headersOf = {
    owner,
    admin: await bearerOf(h, 'mx-admin'),
    member: await bearerOf(h, 'mx-member'),
    'other-org-member': outsider,
    'non-member': await bearerOf(h, 'mx-non-member'),
    'expired-token': await signed('mx-owner', TEST_JWT_SECRET, -3600),
    'foreign-signed-token': await signed('mx-owner', 'another-secret-of-32-characters-at-least!', 3600),
    'revoked-gateway-token': { authorization: `Bearer ${revoked.token}` },
  };
}, 120_000);
afterAll(() => h?.close());

const orgRoutes = (): RecordedRoute[] => routesOf(h.app).filter((r) => ORG_ROUTE.test(r.url) && r.method !== 'HEAD');
const label = (r: RecordedRoute) => `${r.method} ${r.url}`;

function operationOf(route: RecordedRoute): Operation | undefined {
  return operations.find((op) => op.method === route.method && op.path === toOpenApiPath(route.url));
}

describe('organization authorization matrix (generated from the route table)', () => {
  it('finds the organization routes, each with a declared least role, an OpenAPI operation, and fillable parameters', () => {
    const routes = orgRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(7);
    const problems = routes.flatMap((route) => {
      const found: string[] = [];
      const role = route.config.orgRole;
      if (role !== 'owner' && role !== 'admin' && role !== 'member') found.push(`${label(route)} declares no config.orgRole (owner, admin or member); the matrix cannot know who may call it`);
      const op = operationOf(route);
      if (op === undefined) found.push(`${label(route)} has no OpenAPI operation`);
      for (const p of op?.parameters ?? []) {
        if (p.in === 'path' && p.name !== 'org' && PATH_FILLERS[p.name] === undefined) found.push(`${label(route)} takes path parameter \`${p.name}\`: add a value to PATH_FILLERS`);
      }
      return found;
    });
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('answers every caller of every organization route as its declared role says', async () => {
    const checked: string[] = [];
    for (const route of orgRoutes()) {
      const least = route.config.orgRole as Role;
      const op = operationOf(route);
      if (op === undefined) continue;
      for (const caller of CALLERS) {
        // A fresh organization per call: a successful DELETE or role change must not shape the next case.
        const orgId = await createOrg(h, headersOf.owner, `Matrix ${checked.length}`, { 'mx-admin': 'admin', 'mx-member': 'member', [TARGET]: 'member' });
        const url = fillPath(op.path, { ...PATH_FILLERS, org: orgId });
        const base = op.body === undefined ? undefined : minimalInstance(doc, op.body);
        const payload = typeof base === 'object' && base !== null ? { ...base, ...Object.fromEntries(Object.entries(BODY_OVERRIDES).filter(([k]) => k in (base as object))) } : undefined;
        const res = await h.app.inject({ method: op.method, url, headers: headersOf[caller], ...(payload !== undefined || op.bodyRequired ? { payload: payload ?? {} } : {}) });
        const expected = expectationFor(caller, least);
        const what = `${label(route)} as ${caller} (declared ${least}) expected ${expected}: ${res.statusCode} ${res.body}`;
        const code = res.statusCode >= 400 ? res.json<{ error?: { code?: string } }>().error?.code : undefined;
        expect(res.statusCode, what).toBeLessThan(500);
        if (expected === 'runs') {
          expect([401, 403], what).not.toContain(res.statusCode);
          expect(code, what).not.toBe('org_not_found');
        } else if (expected === 'org_role_required') {
          expect(res.statusCode, what).toBe(403);
          expect(code, what).toBe('org_role_required');
        } else if (expected === 'org_not_found') {
          expect(res.statusCode, what).toBe(404);
          expect(code, what).toBe('org_not_found');
          const nobody = await h.app.inject({ method: op.method, url: fillPath(op.path, { ...PATH_FILLERS, org: randomUUID() }), headers: headersOf[caller], ...(payload !== undefined || op.bodyRequired ? { payload: payload ?? {} } : {}) });
          expect(nobody.body.replace(/"request_id":"[^"]*"/, ''), `${what} must answer as for an org that does not exist`).toBe(res.body.replace(/"request_id":"[^"]*"/, ''));
        } else {
          expect(res.statusCode, what).toBe(401);
        }
        // Gone behind the API's back, so the owner stays under the cap of organizations one user creates.
        await h.db.sql('DELETE FROM byok_orgs WHERE id = $1', [orgId]);
        checked.push(`${label(route)} ${caller}`);
      }
    }
    expect(checked.length).toBe(orgRoutes().length * CALLERS.length);
  }, 300_000);
});
