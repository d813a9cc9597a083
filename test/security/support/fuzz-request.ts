import fc from 'fast-check';
import { PROVIDER_IDS } from '@byok/providers';
import { fakeKey, SCENARIOS } from '@byok/mock-providers';
import type { PropertyHints } from '../../support/json-schema-arbitrary.js';
import type { Operation } from '../../support/openapi-operations.js';

/**
 * What the schema fuzz's two request generators share: who may call, the ids of the fuzzed
 * user's rows, the request they produce, and real values for fields by name.
 */

export interface FuzzIdentities {
  /** Authorization header values that authenticate: a user's JWT, an admin's, a gateway token. */
  user: string;
  admin: string;
  gateway: string;
  /** Ids of the fuzzed user's own resources by kind, for the `{id}` and `{…Id}` path parameters of their routes. */
  resourceIds: {
    keys: readonly string[];
    tokens: readonly string[];
    webhooks: readonly string[];
    /** Each delivery with its webhook: redelivery names both, and a delivery of another webhook is a 404. */
    deliveries: ReadonlyArray<{ webhookId: string; id: string }>;
    notifications: readonly string[];
    budgets: readonly string[];
    /** Organizations the user owns, a colleague in them, and their keys (#17) with the organization and provider of each. */
    orgs: readonly string[];
    orgMembers: readonly string[];
    orgKeys: ReadonlyArray<{ orgId: string; id: string; provider: string }>;
  };
}

/** The user's own ids a path parameter can name: a random uuid names nothing, so lookups would never be passed. */
export function ownIdsFor(path: string, name: string, ids: FuzzIdentities): readonly string[] {
  if (name === 'deliveryId') return ids.resourceIds.deliveries.map((d) => d.id);
  if (name === 'org') return ids.resourceIds.orgs;
  if (name === 'user_id') return ids.resourceIds.orgMembers;
  if (name !== 'id') return [];
  if (path.startsWith('/api/v1/orgs/')) return ids.resourceIds.orgKeys.map((k) => k.id);
  if (path.startsWith('/api/v1/webhooks')) return ids.resourceIds.webhooks;
  if (path.startsWith('/api/v1/notifications')) return ids.resourceIds.notifications;
  if (path.startsWith('/api/v1/llm/tokens')) return ids.resourceIds.tokens;
  if (path.startsWith('/api/v1/llm/budgets')) return ids.resourceIds.budgets;
  return ids.resourceIds.keys;
}

export interface FuzzRequest {
  op: Operation;
  method: Operation['method'];
  url: string;
  headers: Record<string, string>;
  payload: string | undefined;
  /** How it was made, for the anomaly report: `random`, or `example` and the one field changed in it. */
  origin: string;
}

const MODELS = [
  'gpt-4o-mini',
  'openai/gpt-4o-mini',
  'openai/gpt-4o-mini-tool-call',
  'openai/gpt-4o-mini-mid-stream-error',
  'claude-3-5-haiku-latest',
  'anthropic/claude-3-5-haiku-tool-call',
  'gemini-2.0-flash',
  'google/gemini-2.0-flash-mid-stream-error',
  'groq/llama-3.1-8b-instant',
  'meta-llama/llama-3.3-70b-instruct',
  'openrouter/auto',
];

/** Real values for parameters and properties by name, so half the requests get past the first check. */
export const FUZZ_HINTS: PropertyHints = {
  provider: fc.constantFrom(...PROVIDER_IDS),
  model: fc.constantFrom(...MODELS),
  api_key: fc.tuple(fc.constantFrom(...PROVIDER_IDS), fc.constantFrom(...SCENARIOS), fc.nat(50)).map(([p, s, n]) => fakeKey(p, s, `fuzz-${n}`)),
  user: fc.constantFrom('fuzz-user', 'fuzz-admin', 'someone-else'),
  format: fc.constantFrom('json', 'csv', 'jsonl'),
  stream: fc.boolean(),
  // A credit grant takes at most six decimals, which a random double almost never has.
  amount: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0, max: 2e6 })),
  // A webhook takes only a public https URL, which random text never is.
  url: fc.nat(1000).map((n) => `https://hooks.example.com/fuzz-${n}`),
};

/**
 * encodeURIComponent that does not throw on lone surrogates: they go out as the (invalid UTF-8)
 * bytes a careless client would send, `\uD800` as `%ED%A0%80`.
 */
export function encodeUriLoosely(text: string): string {
  return text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g, (part) => {
    if (part.length === 2 || part.charCodeAt(0) < 0xd800 || part.charCodeAt(0) > 0xdfff) return encodeURIComponent(part);
    const code = part.charCodeAt(0);
    return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
  });
}

export const queryPart = (name: string, value: unknown) => `${encodeUriLoosely(name)}=${encodeUriLoosely(typeof value === 'string' ? value : JSON.stringify(value) ?? '')}`;

