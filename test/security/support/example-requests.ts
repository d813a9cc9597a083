import fc from 'fast-check';
import { PROVIDER_IDS } from '@byok/providers';
import { fakeKey } from '@byok/mock-providers';
import { DeepNesting, toJsonText, type PropertyHints } from '../../support/json-schema-arbitrary.js';
import type { JsonSchema, OpenApiDocument, Operation } from '../../support/openapi-operations.js';
import { FUZZ_HINTS, ownIdsFor, queryPart, type FuzzIdentities, type FuzzRequest } from './fuzz-request.js';
import { minimalExample, oneFieldChanged } from './schema-examples.js';

/**
 * The valid half of the schema fuzz: a request to one operation as a correct client of the fuzzed
 * user (of the admin, on admin routes) would send it — path parameters naming rows that exist and
 * belong together (a delivery with its webhook, an org key with its organization), a minimal
 * valid query and body — sent as is, or with one field of the body or query changed.
 */

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Real values by field name where a route accepts less than its schema says. */
const EXAMPLE_HINTS: PropertyHints = {
  ...FUZZ_HINTS,
  // Checked against the runtime's list of zones, which random text never names.
  time_zone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'),
  // At most six decimals; FUZZ_HINTS also tries doubles, which have more.
  amount: fc.integer({ min: 1, max: 1000 }),
  // The user's own usage; another user's is the admin's to read.
  user: fc.constant('fuzz-user'),
  // The per-provider routes act on the key labelled `default` (ignoring case); renaming it away would leave them only 404s.
  label: fc.constantFrom('default', 'Default'),
  // A key restricted to a model the fuzz does not ask for would leave the proxy only refusals.
  models: fc.constantFrom(null, ['*']),
  // Limits the fuzz's own proxy requests cannot reach, so an example budget refuses nothing.
  limits: fc.record(
    { requests: fc.integer({ min: 1_000_000, max: 1e9 }), tokens: fc.integer({ min: 1e9, max: 1e12 }), spend_micro_usd: fc.integer({ min: 1e9, max: 1e12 }) },
    { requiredKeys: ['requests'] },
  ),
  // `disable_key` is for key budgets only; BUDGET_SCOPES sets it there.
  action: fc.constantFrom('block', 'notify'),
};

/** A new key under a label of its own: without one, the save would replace the seeded (canary) `default` key. */
const newKey = fc
  .tuple(fc.constantFrom(...PROVIDER_IDS), fc.constantFrom(1, 2, 3))
  .map(([provider, n]) => ({ provider, api_key: fakeKey(provider, 'valid', `fuzz-example-${n}`), label: `example-${n}` }));

/**
 * What a new budget can count, with an id of the user's own for each scope. Scope `user` is left
 * out: the seeded budgets hold it for every period, and one scope, scope id and period take one
 * budget (409 `budget_exists`).
 */
function budgetScopes(ids: FuzzIdentities): fc.Arbitrary<Record<string, unknown>> {
  const { keys, orgKeys, orgs, orgMembers } = ids.resourceIds;
  return fc.oneof(
    fc.constantFrom(...PROVIDER_IDS).map((provider) => ({ scope: 'provider', scope_id: provider })),
    fc.tuple(fc.constantFrom(...keys, ...orgKeys.map((k) => k.id)), fc.constantFrom('block', 'notify', 'disable_key')).map(([id, action]) => ({ scope: 'key', scope_id: id, action })),
    fc.constantFrom(...orgs).map((org) => ({ scope: 'org', scope_id: org })),
    fc.tuple(fc.constantFrom(...orgs), fc.constantFrom('fuzz-user', ...orgMembers)).map(([org, member]) => ({ scope: 'org_member', scope_id: `${org}/${member}` })),
  );
}

/** Fields that must agree with each other (no schema says so), set over the minimal body. */
const BODY_RULES: Readonly<Record<string, (ids: FuzzIdentities) => fc.Arbitrary<Record<string, unknown>>>> = {
  'POST /api/v1/llm/byok/keys': () => newKey,
  'POST /api/v1/orgs/{org}/byok/keys': () => newKey,
  'POST /api/v1/llm/budgets': budgetScopes,
};

/**
 * Path parameter values that name the user's own rows together: a delivery with its webhook, an
 * org key with its organization and provider, a colleague with an organization.
 */
function ownPathRows(path: string, ids: FuzzIdentities): Array<Record<string, string>> {
  const { deliveries, orgKeys, orgs, orgMembers } = ids.resourceIds;
  if (path.includes('{deliveryId}')) return deliveries.map((d) => ({ id: d.webhookId, deliveryId: d.id }));
  if (path.startsWith('/api/v1/orgs/{org}/byok/keys')) return orgKeys.map((k) => ({ org: k.orgId, id: k.id, provider: k.provider }));
  if (path.includes('{org}')) return orgs.flatMap((org) => orgMembers.map((member) => ({ org, user_id: member })));
  if (path.includes('{provider}')) return PROVIDER_IDS.map((provider) => ({ provider }));
  if (path.includes('{id}')) return ownIdsFor(path, 'id', ids).map((id) => ({ id }));
  return [{}];
}

/** The query parameters as one object schema, so they are built and changed like a body. */
function querySchema(op: Operation): JsonSchema {
  const params = op.parameters.filter((p) => p.in === 'query');
  return { type: 'object', properties: Object.fromEntries(params.map((p) => [p.name, p.schema])), required: params.filter((p) => p.required).map((p) => p.name) };
}

const queryText = (query: unknown) => (isObject(query) ? Object.entries(query).map(([k, v]) => queryPart(k, v instanceof DeepNesting ? 'x' : v)).join('&') : '');

/** A valid request to one operation, as is (half the time) or with one field of its body or query changed. */
function exampleRequest(doc: OpenApiDocument, op: Operation, ids: FuzzIdentities): fc.Arbitrary<FuzzRequest> {
  const rows = ownPathRows(op.path, ids);
  const query = querySchema(op);
  const hasQuery = op.parameters.some((p) => p.in === 'query');
  const rule = BODY_RULES[`${op.method} ${op.path}`]?.(ids);
  const minimalBody = op.body === undefined ? fc.constant(undefined) : minimalExample(doc, op.body, EXAMPLE_HINTS, { nameOneProperty: true });
  const body = rule === undefined ? minimalBody : fc.tuple(minimalBody, rule).map(([value, fields]) => (isObject(value) ? { ...value, ...fields } : value));
  return fc
    .record({ row: fc.constantFrom(...rows), query: minimalExample(doc, query, EXAMPLE_HINTS), body })
    .chain((example) => {
      const changed: fc.Arbitrary<typeof example & { change: string }>[] = [];
      if (op.body !== undefined) changed.push(oneFieldChanged(doc, op.body, example.body, EXAMPLE_HINTS).map(({ value, change }) => ({ ...example, body: value, change: `body ${change}` })));
      if (hasQuery) changed.push(oneFieldChanged(doc, query, example.query, EXAMPLE_HINTS).map(({ value, change }) => ({ ...example, query: value, change: `query ${change}` })));
      return fc.oneof({ arbitrary: fc.constant({ ...example, change: '' }), weight: Math.max(1, changed.length) }, ...changed);
    })
    .map(({ row, query: q, body: b, change }) => {
      // A parameter no row names stays `x`, a 404: the reach check then names the operation, which needs its rows in ownPathRows.
      const url = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(row[name] ?? 'x'));
      const search = queryText(q);
      const headers: Record<string, string> = { authorization: op.tags.includes('admin') ? ids.admin : ids.user };
      if (b !== undefined) headers['content-type'] = 'application/json';
      return { op, method: op.method, url: search === '' ? url : `${url}?${search}`, headers, payload: b === undefined ? undefined : toJsonText(b), origin: change === '' ? 'example' : `example, ${change}` };
    });
}

/** A valid request to any one of `operations`, as is or with one field changed. */
export function exampleRequestArbitrary(doc: OpenApiDocument, operations: Operation[], ids: FuzzIdentities): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...operations.map((op) => exampleRequest(doc, op, ids)));
}
