/**
 * The shape of the provider registry. Every provider is data of this shape; code that needs to
 * behave differently per provider reads a field here instead of switching on the id.
 */
export const PROVIDER_IDS = ['openrouter', 'openai', 'anthropic', 'google', 'cohere', 'together', 'groq', 'perplexity'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === 'string' && (PROVIDER_IDS as readonly string[]).includes(value);
}

/** How a key is presented to the provider. */
export type AuthScheme =
  | { kind: 'bearer' }
  | { kind: 'header'; header: string; extraHeaders?: Readonly<Record<string, string>> };

/** A soft pre-check of a key's shape; never the only reason to reject a key without an override. */
export interface KeyFormat {
  pattern: RegExp;
  /** The prefix shown unmasked, e.g. `sk-or-v1-`; empty when the provider's keys have none. */
  knownPrefix: string;
  /** What a user should paste, in words, e.g. "sk-or-v1- followed by 64 hex characters". */
  hint: string;
  example: string;
}

/** Which wire dialect the chat endpoint speaks, and its quirks. */
export interface ChatSpec {
  dialect: 'openai' | 'anthropic' | 'gemini';
  /** Path appended to the provider's base URL, e.g. `/chat/completions` or `/v1/messages`. */
  path: string;
  /**
   * How usage reaches us on a stream: `include_usage` accepts OpenAI's `stream_options`;
   * `unsupported` must have `stream_options` stripped (Cohere's compatibility API rejects it);
   * `native` means the dialect reports usage by itself (Anthropic, Gemini).
   */
  streamUsage: 'include_usage' | 'unsupported' | 'native';
  /** Auth for chat calls when it differs from the key-check auth. */
  auth?: AuthScheme;
}
