/**
 * The key check of one provider, described as data: which request to make, how to read a
 * successful answer, and which error answers mean something other than the defaults.
 */

/** The outcome of a key check. `unreachable` is also used for answers we cannot classify. */
export type ValidationStatus = 'valid' | 'invalid' | 'no_credit' | 'rate_limited' | 'unreachable';

/**
 * How to read a 2xx answer. Each name maps to one small reader in `success-readers.ts`:
 * - `openai-model-list`: `{ data: [{ id }] }` (OpenAI, Groq)
 * - `anthropic-model-list`: `{ data: [{ id }], has_more }`
 * - `bare-model-array`: `[{ id }]` (Together)
 * - `gemini-model-list`: `{ models: [{ name: "models/…" }], nextPageToken }`
 * - `openrouter-key`: `{ data: { limit, limit_remaining, usage, … } }`, no model list
 * - `cohere-check`: `{ valid, organization_id, owner_id }`
 * - `chat-completion`: any 2xx chat answer proves the key (Perplexity)
 */
export type SuccessShape =
  | 'openai-model-list'
  | 'anthropic-model-list'
  | 'bare-model-array'
  | 'gemini-model-list'
  | 'openrouter-key'
  | 'cohere-check'
  | 'chat-completion';

/**
 * A provider-specific reading of a non-2xx answer. Rules are tried in order before the defaults
 * (401/403 → invalid, 402 → no_credit, 429 → rate_limited, 5xx → unreachable).
 */
export interface OutcomeRule {
  status: number;
  /** Matched against the raw response text; the rule applies to every body when absent. */
  bodyPattern?: RegExp;
  outcome: ValidationStatus;
}

/** The cheap authenticated request that validates a key. */
export interface ValidationSpec {
  method: 'GET' | 'POST';
  /** Path relative to the provider's base URL, starting with `/`. */
  path: string;
  /** Query parameters, e.g. a page size so one call returns the whole model list. */
  query?: Readonly<Record<string, string>>;
  /** JSON body for POST checks. */
  body?: unknown;
  success: SuccessShape;
  rules: readonly OutcomeRule[];
  /** Why this check was chosen when it is not the obvious one (shown in docs, not to users). */
  note?: string;
}
