import type { ProviderId } from '@byok/providers';
import { NOT_NEEDED } from './decide-route.js';
import { perProvider } from './per-provider.js';
import { labelledReceiptName } from './receipt-names.js';
import type { CredentialSource, RouteCandidate, RouteDecision, SkipReason } from './route-decision.types.js';

/** Longest receipt `formatReceipt` returns; well under common header limits. */
export const MAX_RECEIPT_CHARS = 511;

const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/g;
/** Room for `; +9999 more`. */
const MORE_TAIL_CHARS = 12;

// Entry texts for every source, provider, reason and note this library produces are built once,
// so formatting a receipt is lookups and joins. Anything else (a hand-built candidate) is
// sanitised on its own.
const whoTable = (text: (id: ProviderId) => string): ReadonlyMap<string, string> => new Map(Object.entries(perProvider(text)));
const WHO: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map<CredentialSource, ReadonlyMap<string, string>>([
  ['user_openrouter', whoTable(() => 'user_openrouter:')],
  ['user_provider', whoTable((id) => `user_provider(${id}):`)],
  ['system', whoTable((id) => `system(${id}):`)],
]);
const SKIP_REASONS: readonly SkipReason[] = [
  'disabled',
  'invalid',
  'undecryptable',
  'no_key',
  'no_system_key',
  'no_credits',
  'credits_unknown',
  'platform_fallback_never',
  'no_credit',
  'cooling_down',
  'circuit_open',
  'model_not_allowed',
  'model_unavailable',
];
const SKIPPED = new Map<string, string>(SKIP_REASONS.map((reason) => [reason, `skipped=${reason}`]));

/**
 * The decision as one header-safe line: printable ASCII, no newlines, at most
 * `MAX_RECEIPT_CHARS`. One entry per candidate, in order, joined by `"; "`:
 *
 *     <source>[(<provider>[/<label>])]:<state>
 *     state := chosen[=<outcome>] | skipped=<reason> | failed=<outcome> | <reason of a fallback, e.g. not_needed>
 *
 * A user's key is named by provider and label: `user_provider(openai/work)`,
 * `user_provider(openai/default)`, `user_openrouter(work)` (always OpenRouter), its label reduced
 * to letters, digits, space and `._@+-`; an organization's key `org:openai/work`. Rows without a
 * key read `user_provider(openai):skipped=no_key`, `user_openrouter:skipped=no_key`, `org:openai:`
 * and platform keys `system(openai)`. The attempt that answered reads `chosen=<outcome>`, the
 * upstream's status (`chosen=200`) or `timeout` / `unreachable`; a failed attempt reads
 * `failed=<outcome>` (e.g. `failed=429 cooled 2s`); plain `chosen` is a decision no attempt has
 * been made for. Key ids are left out (see `receiptJson`). Example:
 * `user_openrouter:skipped=no_key; user_provider(openai/work):failed=429 cooled 2s; user_provider(openai/default):chosen=200; system(openai):not_needed; system(openrouter):skipped=no_system_key`.
 * When the entries do not fit, the last ones are replaced by `+N more`.
 */
export function formatReceipt(decision: RouteDecision): string {
  const { candidates } = decision;
  const last = candidates.length - 1;
  let line = '';
  for (let i = 0; i <= last; i++) {
    const candidate = candidates[i];
    if (candidate === undefined) continue;
    const next = line === '' ? receiptEntry(candidate) : `${line}; ${receiptEntry(candidate)}`;
    // Room is kept for the `; +N more` tail unless this is the last entry.
    if (next.length > (i === last ? MAX_RECEIPT_CHARS : MAX_RECEIPT_CHARS - MORE_TAIL_CHARS)) {
      const more = `+${last - i + 1} more`;
      return line === '' ? more : `${line}; ${more}`;
    }
    line = next;
  }
  return line;
}

function receiptEntry(candidate: RouteCandidate): string {
  // Routing names labelled and organization keys itself; a hand-built candidate is named here.
  const who = candidate.receiptName ?? (candidate.label === undefined ? whoOf(candidate) : labelledReceiptName(candidate.credentialSource, candidate.provider, candidate.label));
  switch (candidate.status) {
    case 'chosen':
      return candidate.answered === undefined ? `${who}chosen` : `${who}chosen=${sanitize(candidate.answered)}`;
    case 'skipped':
      return who + (SKIPPED.get(candidate.reason) ?? sanitize(`skipped=${candidate.reason}`));
    case 'failed':
      return `${who}failed=${sanitize(candidate.reason)}`;
    default:
      return `${who}${candidate.reason === NOT_NEEDED ? NOT_NEEDED : sanitize(candidate.reason)}`;
  }
}

function whoOf(candidate: RouteCandidate): string {
  return WHO.get(candidate.credentialSource)?.get(candidate.provider) ?? sanitize(`${candidate.credentialSource}(${candidate.provider}):`);
}

/** Makes text from outside this library header-safe; a surrogate pair becomes two `?`. */
function sanitize(text: string): string {
  return text.replace(NOT_PRINTABLE_ASCII, '?');
}

/** One candidate in the JSON receipt (snake_case, like the rest of the API). */
export interface ReceiptCandidateJson {
  source: RouteCandidate['credentialSource'];
  provider: RouteCandidate['provider'];
  key_id: string | null;
  /** The key's label, present only when it is not `default`. */
  label?: string | undefined;
  /** Present (true) for an organization's key. */
  org_key?: true | undefined;
  upstream_model: string;
  status: RouteCandidate['status'];
  reason: string;
}

/** The routing receipt for a JSON response field. */
export interface RouteReceiptJson {
  outcome: RouteDecision['outcome'];
  candidates: ReceiptCandidateJson[];
}

/** The decision as a plain object for a response body; holds key ids (the user's own), never keys. */
export function receiptJson(decision: RouteDecision): RouteReceiptJson {
  return {
    outcome: decision.outcome,
    candidates: decision.candidates.map((c) => ({
      source: c.credentialSource,
      provider: c.provider,
      key_id: c.keyId ?? null,
      label: c.label,
      org_key: c.orgKey === true ? true : undefined,
      upstream_model: c.upstreamModel,
      status: c.status,
      reason: c.reason,
    })),
  };
}
