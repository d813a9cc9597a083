import { randomUUID } from 'node:crypto';
import { applyUsageEvents } from '@byok/db';
import { createInPageChannel } from '@byok/notifications';
import { isProviderId, PROVIDERS, type ProviderId } from '@byok/providers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { credentialId, fakeKey } from '@byok/mock-providers';
import { minimalInstance } from '../support/json-schema-arbitrary.js';
import { fillPath, propertyNames, type Operation } from '../support/openapi-operations.js';
import { routesOf, toOpenApiPath } from '../support/route-recorder.js';
import { errorOf, type ResponseLike } from './support/error-shape.js';
import { startSecurityHarness, type SecurityHarness } from './support/security-harness.js';
import { jobsForUser, rowsMentioning } from './support/state-snapshot.js';

vi.mock('fastify', async (importOriginal) => (await import('../support/route-recorder.js')).recordingFastify(importOriginal));

/**
 * Object-level authorization, generated from the OpenAPI document: for every user route that
 * takes something naming a resource (a provider, key id, token id, user, cursor) — in the path,
 * the query or the body — Alice points it at Bob's resource. Path lookups answer 404, exactly as
 * for a resource nobody has (so existence does not leak); nothing of Bob's appears in any answer;
 * Bob's rows in every table, his queued jobs and the provider calls made with his keys stay as
 * they were. A parameter the matrix does not know how to fill fails the run, so a new route
 * cannot skip the check. Admin routes are the authentication matrix's (403 for users).
 */

const ALICE = 'attacker-alice-5d1e';
const BOB = 'victim-bob-9c2f';
const NOBODY = 'nobody-0a7b';
/** Bob holds a key for each of these; Alice only for groq; nobody for perplexity. */
const BOB_PROVIDERS: ProviderId[] = ['openrouter', 'openai', 'anthropic', 'google', 'cohere', 'together', 'groq'];
const ALICE_PROVIDERS: ProviderId[] = ['groq'];
const CROSS_PROVIDERS = BOB_PROVIDERS.filter((p) => !ALICE_PROVIDERS.includes(p));
const NOBODY_PROVIDER: ProviderId = 'perplexity';
const NOBODY_UUID = '00000000-0000-4000-8000-00000000dead';

/** A name that refers to a resource, and so must be filled with Bob's to check ownership. */
const REFERENCE_NAME = /(^|_)(ids?|users?|providers?|keys?|tokens?|cursor)$/i;

/**
 * Names that match REFERENCE_NAME but point at no stored resource: the provider key itself (the
 * secret being saved), OpenAI's `user` (an end-user label the proxy only forwards) and counts of
 * model tokens.
 */
const NOT_REFERENCES: ReadonlyArray<{ in: 'body' | 'query' | 'path'; name: string; why: string; ops?: RegExp }> = [
  { in: 'body', name: 'api_key', why: 'the secret being saved, not a reference' },
  { in: 'body', name: 'user_id', ops: /^POST \/api\/v1\/orgs\/\{org\}\/members$/, why: 'the user an owner or admin adds to their own organization (organizations add members by user id, #17)' },
  { in: 'body', name: 'user', ops: /^POST \/(api\/v1\/llm|v1)\/chat\/completions$/, why: "OpenAI's end-user label, forwarded upstream only" },
  { in: 'body', name: 'max_tokens', ops: /^POST \/(api\/v1\/llm|v1)\/chat\/completions$/, why: 'a count of model tokens' },
  { in: 'body', name: 'max_completion_tokens', ops: /^POST \/(api\/v1\/llm|v1)\/chat\/completions$/, why: 'a count of model tokens' },
  { in: 'body', name: 'member_keys', ops: /^PATCH \/api\/v1\/orgs\/\{org\}$/, why: "an organization's routing policy (prefer, allow, forbid), not a key" },
];

interface Victim {
  keyIds: string[];
  tokenIds: string[];
  tokenPrefixes: string[];
  auditCursor: string;
  notificationIds: string[];
  webhookIds: string[];
  deliveryIds: string[];
  budgetIds: string[];
  /** Bob's organization (Bob its owner) and its keys. */
  orgIds: string[];
  orgKeyIds: string[];
}

/** How one parameter is pointed at Bob's resource, and at one nobody has (for comparison). */
interface Filler {
  victim(v: Victim): string[];
  nobody: string;
  /** The caller's own resource, filled in while another parameter of the route is under test (Alice's own org). */
  own?: () => string;
  /**
   * `not-found`: must answer exactly as for the nobody value, with 404 (`not_found`, or `org_not_found` for an organization).
   * `same-as-nobody`: must answer exactly as for the nobody value (any 4xx).
   * `no-leak`: may succeed on the caller's own data, but shows nothing of Bob's.
   */
  expect: 'not-found' | 'same-as-nobody' | 'no-leak';
  /** The error code of a `not-found` answer: `not_found`, or `org_not_found` for organizations. */
  code?: string;
}

/** Fillers by where the parameter is and its name; `undefined` = the matrix does not know this one. */
function fillerFor(op: Operation, where: 'path' | 'query' | 'body', name: string): Filler | undefined {
  if (where === 'path' && name === 'provider') return { victim: () => CROSS_PROVIDERS, nobody: NOBODY_PROVIDER, expect: 'not-found' };
  if (where === 'path' && name === 'id' && /^\/api\/v1\/llm\/tokens\/\{id\}$/.test(op.path)) return { victim: (v) => v.tokenIds, nobody: NOBODY_UUID, expect: 'not-found' };
  if (where === 'path' && name === 'id' && /^\/api\/v1\/notifications\/\{id\}\//.test(op.path)) return { victim: (v) => v.notificationIds, nobody: NOBODY_UUID, expect: 'not-found' };
  if (where === 'path' && name === 'id' && /^\/api\/v1\/llm\/byok\/keys\/by-id\/\{id\}/.test(op.path)) return { victim: (v) => v.keyIds, nobody: NOBODY_UUID, expect: 'not-found' };
  if (where === 'path' && name === 'id' && /^\/api\/v1\/webhooks\/\{id\}/.test(op.path)) return { victim: (v) => v.webhookIds, nobody: NOBODY_UUID, expect: 'not-found' };
  if (where === 'path' && name === 'id' && /^\/api\/v1\/llm\/budgets\/\{id\}$/.test(op.path)) return { victim: (v) => v.budgetIds, nobody: NOBODY_UUID, expect: 'not-found' };
  // Bob's organizations: Alice is no member, so every org route answers as for an org that does not exist.
  if (where === 'path' && name === 'org') return { victim: (v) => v.orgIds, nobody: NOBODY_UUID, own: () => aliceOrg, expect: 'not-found', code: 'org_not_found' };
  // Under Alice's own org (the org filler's \`own\`): Bob is no member of it.
  if (where === 'path' && name === 'user_id' && /^\/api\/v1\/orgs\/\{org\}\/members\//.test(op.path)) return { victim: () => [BOB], nobody: NOBODY, expect: 'not-found' };
  if (where === 'body' && name === 'org_id') return { victim: (v) => v.orgIds, nobody: NOBODY_UUID, expect: 'same-as-nobody' };
  // Under Alice's own org: Bob's org keys and Bob's own keys alike are no key of hers.
  if (where === 'path' && name === 'id' && /^\/api\/v1\/orgs\/\{org\}\/byok\/keys\/by-id\/\{id\}/.test(op.path)) return { victim: (v) => [...v.orgKeyIds, ...v.keyIds], nobody: NOBODY_UUID, expect: 'not-found' };
  if (where === 'path' && name === 'deliveryId') return { victim: (v) => v.deliveryIds, nobody: NOBODY_UUID, expect: 'not-found' };
  if (where === 'query' && name === 'user') return { victim: () => [BOB], nobody: NOBODY, expect: 'same-as-nobody' };
  if (where === 'query' && name === 'provider') return { victim: () => CROSS_PROVIDERS, nobody: NOBODY_PROVIDER, expect: 'no-leak' };
  if (where === 'query' && name === 'cursor') return { victim: (v) => [v.auditCursor], nobody: 'bm9uZQ', expect: 'no-leak' };
  // A budget's scope id names a provider, a key, an org or a member: Bob's key must not take Alice's budget.
  if (where === 'body' && name === 'scope_id') return { victim: (v) => v.keyIds, nobody: NOBODY_UUID, expect: 'no-leak' };
  if (where === 'body' && name === 'provider') return { victim: () => CROSS_PROVIDERS, nobody: NOBODY_PROVIDER, expect: 'no-leak' };
  return undefined;
}

const opKey = (op: Pick<Operation, 'method' | 'path'>) => `${op.method} ${op.path}`;
const isAdminOperation = (op: Operation) => op.path.startsWith('/api/v1/admin/') || op.tags.includes('admin');

interface Reference {
  op: Operation;
  where: 'path' | 'query' | 'body';
  name: string;
  filler: Filler | undefined;
}

function referencesOf(op: Operation, bodyNames: string[]): Reference[] {
  const refs: Reference[] = [];
  const add = (where: Reference['where'], name: string) => {
    const declared = NOT_REFERENCES.some((n) => n.in === where && n.name === name && (n.ops === undefined || n.ops.test(opKey(op))));
    if (where !== 'path' && (declared || !REFERENCE_NAME.test(name))) return;
    refs.push({ op, where, name, filler: fillerFor(op, where, name) });
  };
  for (const p of op.parameters) if (p.in === 'path' || p.in === 'query') add(p.in, p.name);
  for (const name of bodyNames) add('body', name);
  return refs;
}

let h: SecurityHarness;
let victim: Victim;
let alice: Record<string, string>;
let bobHeaders: Record<string, string>;
let bobMarkers: string[];
let aliceOrg: string;

async function call(headers: Record<string, string>, op: Operation, ref: Reference, value: string): Promise<ResponseLike & { json(): unknown }> {
  const pathValues: Record<string, string> = {};
  for (const p of op.parameters) {
    if (p.in !== 'path') continue;
    const other = fillerFor(op, 'path', p.name);
    pathValues[p.name] = p.name === ref.name && ref.where === 'path' ? value : (other?.own?.() ?? other?.nobody ?? 'x');
  }
  const query = ref.where === 'query' ? `?${new URLSearchParams({ [ref.name]: value }).toString()}` : '';
  let payload: Record<string, unknown> | undefined;
  // A path reference gets a well-formed body too, so a route that requires one (PATCH /webhooks/{id})
  // reaches its ownership check instead of stopping at the body's validation.
  if (op.body !== undefined && op.bodyRequired) {
    const base = minimalInstance(h.doc, op.body);
    payload = { ...(typeof base === 'object' && base !== null ? base : {}), ...(ref.where === 'body' ? { [ref.name]: value } : {}) };
    // A well-formed key, so the save gets past the format check and really runs.
    if (opKey(op) === 'POST /api/v1/llm/byok/keys') payload.api_key = fakeKey(value as ProviderId, 'valid', 'alice-attempt');
  }
  return h.app.inject({ method: op.method, url: `${fillPath(op.path, pathValues)}${query}`, headers, ...(payload ? { payload } : {}) });
}

/** The answer with the request id removed and the filled-in value blanked, for comparing two answers. */
function comparable(res: ResponseLike, value: string): string {
  const names = [value, encodeURIComponent(value), ...(isProviderId(value) ? [PROVIDERS[value].displayName] : [])];
  const text = names.reduce((body, name) => body.split(name).join('<ref>'), res.body);
  return `${res.statusCode} ${text.replace(/"request_id":"[^"]*"/g, '')}`;
}

function leaked(res: ResponseLike): string[] {
  const text = `${res.body}\n${JSON.stringify(res.headers)}`;
  return bobMarkers.filter((m) => text.includes(m));
}

interface Baseline {
  rows: Record<string, string[]>;
  /** Rows naming Bob's organization: its keys (owned by org:<id>), memberships, audit records. */
  orgRows: Record<string, string[]>;
  keyTestJobs: number;
  usageJobs: number;
  bobCalls: number;
}

async function baseline(): Promise<Baseline> {
  const bobCredentials = new Set(BOB_PROVIDERS.map((p) => credentialId(fakeKey(p, 'valid', BOB))));
  return {
    rows: await rowsMentioning(h.api.db, BOB),
    orgRows: await rowsMentioning(h.api.db, victim.orgIds[0] ?? BOB),
    keyTestJobs: (await jobsForUser(h.api.runtime.producers.keyTests.queue, BOB)) + (await jobsForUser(h.api.runtime.producers.keyTests.queue, `org:${victim.orgIds[0]}`)),
    usageJobs: await jobsForUser(h.api.runtime.producers.usageEvents.queue, BOB),
    bobCalls: h.mock.calls().filter((c) => c.credential !== null && bobCredentials.has(c.credential)).length,
  };
}

beforeAll(async () => {
  h = await startSecurityHarness('authz_matrix');
  alice = await h.bearer(ALICE);
  bobHeaders = await h.bearer(BOB);
  const admin = await h.bearer('matrix-admin', { admin: true });
  const save = async (headers: Record<string, string>, provider: ProviderId, seed: string) => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers, payload: { provider, api_key: fakeKey(provider, 'valid', seed), description: `${seed} label` } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>();
  };
  const bobKeys = await Promise.all(BOB_PROVIDERS.map((p) => save(bobHeaders, p, BOB)));
  for (const p of ALICE_PROVIDERS) await save(alice, p, ALICE);
  // Organizations (#17), as rows: Bob owns one with keys for his providers, Alice one of her own.
  const insertOrg = async (owner: string, name: string) => {
    const [row] = await h.api.db.sql<{ id: string }>('INSERT INTO byok_orgs (name, created_by) VALUES ($1, $2) RETURNING id::text', [name, owner]);
    if (row === undefined) throw new Error('the org should be inserted');
    await h.api.db.sql("INSERT INTO byok_org_members (org_id, user_id, role) VALUES ($1, $2, 'owner')", [row.id, owner]);
    return row.id;
  };
  const bobOrg = await insertOrg(BOB, 'bob org 5150');
  aliceOrg = await insertOrg(ALICE, 'alice org');
  const saveForOrg = async (headers: Record<string, string>, org: string, provider: ProviderId, seed: string) => {
    const res = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${org}/byok/keys`, headers, payload: { provider, api_key: fakeKey(provider, 'valid', seed), description: `${seed} label` } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>();
  };
  const bobOrgKeys = await Promise.all(BOB_PROVIDERS.map((p) => saveForOrg(bobHeaders, bobOrg, p, `${BOB}-org`)));
  for (const p of ALICE_PROVIDERS) await saveForOrg(alice, aliceOrg, p, `${ALICE}-org`);
  const tokens = [];
  for (const name of ['bob laptop', 'bob ci']) {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: bobHeaders, payload: { name } });
    expect(res.statusCode).toBe(201);
    tokens.push(res.json<{ id: string; prefix: string }>());
  }
  await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: alice, payload: { name: 'alice token' } });
  const grant = await h.app.inject({ method: 'POST', url: '/api/v1/admin/credits/grant', headers: admin, payload: { user: BOB, amount: 12.345678, reason: 'bob grant 4242' } });
  expect(grant.statusCode).toBe(200);
  await applyUsageEvents(h.api.db.orm.em.fork(), [
    { requestId: 'bob-usage-1', userId: BOB, provider: 'openai', model: 'bob-secret-model', credentialSource: 'user_provider', statusCode: 200, stream: false, promptTokens: 5, completionTokens: 7, costMicro: 777_777, creditsMicro: 0, latencyMs: 10, occurredAt: new Date().toISOString() },
  ]);
  const page = await h.app.inject({ url: '/api/v1/audit?limit=1', headers: bobHeaders });
  const auditCursor = page.json<{ next_cursor: string | null }>().next_cursor;
  if (auditCursor === null) throw new Error('Bob should have more than one audit record');
  // Bob's notifications, as the notifier's page channel writes them.
  const [bobKey] = bobKeys;
  if (bobKey === undefined) throw new Error('Bob should have a key');
  const notifications = ['key_invalid', 'key_no_credit'].map((type) => ({
    id: randomUUID(),
    type: type as 'key_invalid' | 'key_no_credit',
    userId: BOB,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'key' as const, keyId: bobKey.id, provider: 'openrouter', label: `${BOB} label` },
    title: `bob notification ${type}`,
    message: 'about bob',
    action: 'none',
    link: '/account/api-keys#key-openrouter',
  }));
  await createInPageChannel({ orm: h.api.db.orm }).deliver(notifications);
  const webhook = await h.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: bobHeaders, payload: { url: 'https://hooks.example.com/bob-hook-7f3a', events: ['key_invalid'] } });
  expect(webhook.statusCode, webhook.body).toBe(201);
  const webhookId = webhook.json<{ id: string }>().id;
  const testDelivery = await h.app.inject({ method: 'POST', url: `/api/v1/webhooks/${webhookId}/test`, headers: bobHeaders });
  expect(testDelivery.statusCode, testDelivery.body).toBe(202);
  const budgetIds: string[] = [];
  for (const payload of [{ scope: 'user', period: 'day', limits: { requests: 4242 } }, { scope: 'key', scope_id: bobKey.id, period: 'month', limits: { tokens: 4242 } }]) {
    const budget = await h.app.inject({ method: 'POST', url: '/api/v1/llm/budgets', headers: bobHeaders, payload });
    expect(budget.statusCode, budget.body).toBe(201);
    budgetIds.push(budget.json<{ id: string }>().id);
  }
  expect((await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${bobOrg}/members`, headers: bobHeaders, payload: { user_id: 'bob-colleague-31c4', role: 'admin' } })).statusCode).toBe(201);
  victim = {
    keyIds: bobKeys.map((k) => k.id),
    tokenIds: tokens.map((t) => t.id),
    tokenPrefixes: tokens.map((t) => t.prefix),
    auditCursor,
    notificationIds: notifications.map((n) => n.id),
    webhookIds: [webhookId],
    deliveryIds: [testDelivery.json<{ id: string }>().id],
    budgetIds,
    orgIds: [bobOrg],
    orgKeyIds: bobOrgKeys.map((k) => k.id),
  };
  // Masked hints are left out: they show 4 characters, so Alice's own key may share one.
  bobMarkers = [BOB, ...victim.keyIds, ...victim.notificationIds, 'bob notification', ...victim.tokenIds, ...victim.tokenPrefixes, ...victim.webhookIds, ...victim.deliveryIds, 'bob-hook-7f3a', 'bob-secret-model', '777777', 'bob grant 4242', 'bob laptop', `${BOB} label`, bobOrg, ...victim.orgKeyIds, 'bob org 5150', `${BOB}-org label`, ...victim.budgetIds, 'bob-colleague-31c4'];
});
afterAll(() => h?.close());

describe('object-level authorization matrix (generated from the OpenAPI document)', () => {
  it('knows how to point every resource parameter of every user route at another user', () => {
    const userOps = h.operations.filter((op) => !op.public && !isAdminOperation(op));
    const unknown = userOps
      .flatMap((op) => referencesOf(op, propertyNames(h.doc, op.body)))
      .filter((ref) => ref.filler === undefined)
      .map((ref) => `${opKey(ref.op)} takes ${ref.where} parameter \`${ref.name}\``);
    expect(
      unknown,
      'The authorization matrix cannot fill these parameters. Add a filler in fillerFor() (test/security/authorization-matrix.security.test.ts) ' +
        'that names another user\'s resource, or list the name in NOT_REFERENCES with the reason it refers to nothing stored:\n' +
        unknown.join('\n'),
    ).toEqual([]);
    expect(userOps.length).toBeGreaterThan(10);
  });

  it('has every route with a path parameter in the OpenAPI document, unless it is an admin route', () => {
    const hidden = routesOf(h.app)
      .filter((r) => r.url.includes(':') && !r.url.startsWith('/admin/') && !r.url.startsWith('/api/v1/admin/'))
      .filter((r) => !h.operations.some((op) => op.method === r.method && op.path === toOpenApiPath(r.url)))
      .map((r) => `${r.method} ${r.url}`);
    expect(hidden, 'Routes with parameters but no OpenAPI schema escape the authorization matrix; give them a schema (not hidden):').toEqual([]);
  });

  it('answers 404 (as for a resource nobody has) to a path naming another user\'s resource, and shows nothing of it', async () => {
    const before = await baseline();
    const cases = h.operations
      .filter((op) => !op.public && !isAdminOperation(op))
      .flatMap((op) => referencesOf(op, []).filter((r) => r.where !== 'body'));
    const checked: string[] = [];
    for (const ref of cases) {
      const { filler } = ref;
      if (filler === undefined) continue;
      for (const value of filler.victim(victim)) {
        const label = `${opKey(ref.op)} ${ref.where}.${ref.name}=${value}`;
        const callsBefore = h.mock.calls().length;
        const res = await call(alice, ref.op, ref, value);
        const control = await call(alice, ref.op, ref, filler.nobody);
        expect(res.statusCode, `${label}: ${res.body}`).toBeLessThan(500);
        expect(leaked(res), label).toEqual([]);
        if (filler.expect === 'not-found') {
          expect(res.statusCode, `${label}: ${res.body}`).toBe(404);
          expect(errorOf(res).code, label).toBe(filler.code ?? 'not_found');
        }
        if (filler.expect !== 'no-leak') {
          expect(res.statusCode, label).toBeGreaterThanOrEqual(400);
          expect(comparable(res, value), `${label} must answer exactly as for ${filler.nobody}`).toBe(comparable(control, filler.nobody));
        }
        expect(h.mock.calls().length, `${label} called a provider`).toBe(callsBefore);
        checked.push(label);
      }
    }
    // Every provider route × 6 of Bob's providers, token revocation × 2 tokens, and the query references.
    expect(checked.length).toBeGreaterThanOrEqual(5 * CROSS_PROVIDERS.length + 2 + 2 + CROSS_PROVIDERS.length + 1);
    expect(await baseline()).toEqual(before);
  });

  it('still lets Bob read the same resources (so the 404s above are about ownership)', async () => {
    for (const provider of CROSS_PROVIDERS) {
      expect((await h.app.inject({ url: `/api/v1/llm/byok/keys/${provider}`, headers: bobHeaders })).statusCode).toBe(200);
      expect((await h.app.inject({ url: `/api/v1/llm/byok/keys/${provider}/usage`, headers: bobHeaders })).statusCode).toBe(200);
      expect((await h.app.inject({ url: `/api/v1/orgs/${victim.orgIds[0]}/byok/keys/${provider}`, headers: bobHeaders })).statusCode).toBe(200);
    }
    const tokens = await h.app.inject({ url: '/api/v1/llm/tokens', headers: bobHeaders });
    expect(tokens.json<{ tokens: Array<{ id: string }> }>().tokens.map((t) => t.id).sort()).toEqual([...victim.tokenIds].sort());
  });

  it("never routes Alice's chat requests through Bob's keys, by JWT or gateway token", async () => {
    const token = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: alice, payload: { name: 'alice proxy' } });
    const gateway = { authorization: `Bearer ${token.json<{ token: string }>().token}` };
    const before = await baseline();
    for (const provider of CROSS_PROVIDERS) {
      const body = { model: `${provider}/matrix-model`, messages: [{ role: 'user', content: 'hello' }] };
      for (const headers of [alice, gateway]) {
        for (const url of ['/v1/chat/completions', '/api/v1/llm/chat/completions']) {
          const res = await h.app.inject({ method: 'POST', url, headers, payload: body });
          expect(res.statusCode, `${provider} ${url}: ${res.body}`).toBeGreaterThanOrEqual(400);
          expect(res.statusCode).toBeLessThan(500);
          expect(leaked(res)).toEqual([]);
        }
      }
      const models = await h.app.inject({ url: '/v1/models', headers: alice });
      expect(leaked(models)).toEqual([]);
    }
    expect(await baseline()).toEqual(before);
    // The same request from Bob goes through his key: the refusals above were about ownership.
    const own = await h.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: bobHeaders, payload: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] } });
    expect(own.statusCode, own.body).toBe(200);
    expect((await baseline()).bobCalls).toBe(before.bobCalls + 1);
  });

  it("keeps Bob's data as it was when Alice names his resources in request bodies", async () => {
    const before = await baseline();
    const cases = h.operations
      .filter((op) => !op.public && !isAdminOperation(op))
      .flatMap((op) => referencesOf(op, propertyNames(h.doc, op.body)).filter((r) => r.where === 'body'));
    expect(cases.map((c) => `${opKey(c.op)} ${c.name}`)).toContain('POST /api/v1/llm/byok/keys provider');
    for (const ref of cases) {
      for (const value of ref.filler?.victim(victim) ?? []) {
        const res = await call(alice, ref.op, ref, value);
        expect(res.statusCode, `${opKey(ref.op)} body.${ref.name}=${value}: ${res.body}`).toBeLessThan(500);
        expect(leaked(res)).toEqual([]);
      }
    }
    const after = await baseline();
    expect(after.rows).toEqual(before.rows);
    expect(after.keyTestJobs).toBe(before.keyTestJobs);
    expect(after.bobCalls).toBe(before.bobCalls);
  });
});
