/** Most organizations one token may name; the rest are ignored (a claim is not a bulk import). */
export const MAX_CLAIM_ORGS = 50;
/** Longest organization name taken from a claim (`byok_orgs.external_id` holds 255). */
export const MAX_CLAIM_ORG_LENGTH = 255;

// Postgres cannot store NUL and turns lone surrogates into U+FFFD (two names would become one).
const LONE_SURROGATE = /\p{Cs}/u;
const unstorable = (text: string) => LONE_SURROGATE.test(text) || text.includes('\u0000');

function usableName(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_CLAIM_ORG_LENGTH && !unstorable(value);
}

/**
 * The organization names a token claim lists, in the shapes identity providers use:
 * an array of names (`["acme", "globex"]`), an object keyed by name (Keycloak's `organization`
 * claim: `{"acme": {"id": "…"}}`) or a single name. Anything else — numbers, nested arrays, empty
 * or unstorable names, names longer than 255 characters — is ignored rather than trusted, and at
 * most `MAX_CLAIM_ORGS` distinct names are taken.
 */
export function orgsFromClaim(value: unknown): string[] {
  let candidates: unknown[];
  if (typeof value === 'string') candidates = [value];
  else if (Array.isArray(value)) candidates = value;
  else if (typeof value === 'object' && value !== null) candidates = Object.keys(value);
  else return [];
  const names = new Set<string>();
  for (const candidate of candidates) {
    if (names.size >= MAX_CLAIM_ORGS) break;
    if (usableName(candidate)) names.add(candidate);
  }
  return [...names];
}
