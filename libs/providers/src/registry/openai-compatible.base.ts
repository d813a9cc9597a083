import type { ProviderDefinition } from '../provider-definition.js';
import type { ChatSpec } from '../types.js';
import type { ValidationSpec } from '../validation/validation-spec.js';

/** The fields an OpenAI-compatible provider must state; everything else has a shared default. */
export type OpenAiCompatibleInput = Omit<ProviderDefinition, 'auth' | 'validation' | 'chat' | 'recommended'> & {
  recommended?: boolean;
  /** Overrides of the default key check (`GET /models`, OpenAI list shape). */
  validation?: Partial<ValidationSpec>;
  /** Overrides of the default chat spec (`/chat/completions`, `include_usage`). */
  chat?: Partial<ChatSpec>;
};

const DEFAULT_VALIDATION: ValidationSpec = {
  method: 'GET',
  path: '/models',
  success: 'openai-model-list',
  rules: [],
};

const DEFAULT_CHAT: ChatSpec = {
  dialect: 'openai',
  path: '/chat/completions',
  streamUsage: 'include_usage',
};

/**
 * Builds the definition of a provider that speaks OpenAI's wire format with a bearer key, so each
 * such provider's folder only states what differs (names, URLs, key shape, prefixes).
 */
export function defineOpenAiCompatible(input: OpenAiCompatibleInput): ProviderDefinition {
  const { validation, chat, recommended, ...rest } = input;
  return {
    ...rest,
    recommended: recommended ?? false,
    auth: { kind: 'bearer' },
    validation: { ...DEFAULT_VALIDATION, ...validation },
    chat: { ...DEFAULT_CHAT, ...chat },
  };
}
