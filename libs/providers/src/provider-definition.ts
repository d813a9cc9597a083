import type { AuthScheme, ChatSpec, KeyFormat, ProviderId } from './types.js';
import type { ValidationSpec } from './validation/validation-spec.js';

/**
 * Everything the gateway knows about one provider, as plain data. Code that must behave
 * differently per provider reads a field of this object; it never switches on the id.
 */
export interface ProviderDefinition {
  id: ProviderId;
  /** Name shown to people, e.g. "OpenRouter". */
  displayName: string;
  /** One sentence on what a key for this provider gives the user. */
  description: string;
  /** True only for OpenRouter: one key reaches hundreds of models. */
  recommended: boolean;
  /** The provider's API root; every `path` below is appended to it. No trailing slash. */
  defaultBaseUrl: string;
  /** How the key is presented on the key check (and on chat calls unless `chat.auth` says otherwise). */
  auth: AuthScheme;
  /** Soft pre-check of the key's shape (anchored regex plus words for people). */
  keyFormat: KeyFormat;
  /** Gateway prefixes that name this provider explicitly, e.g. `openai/`; lower case, with the slash. */
  explicitPrefixes: readonly string[];
  /** Bare model-name prefixes that belong to this provider alone, e.g. `claude-`; lower case. */
  barePrefixes: readonly string[];
  /**
   * The vendor segment OpenRouter uses for this provider's own models (`openai`, `anthropic`, …).
   * Absent for hosts of other vendors' models (Groq, Together) and for OpenRouter itself.
   */
  openRouterVendor?: string;
  /** Where a user creates a key. */
  signupUrl: string;
  /** The provider's API documentation. */
  docsUrl: string;
  /** The one cheap authenticated call that tells whether a key works, as data. */
  validation: ValidationSpec;
  /** Where and how chat requests go. */
  chat: ChatSpec;
}
