import { defineOpenAiCompatible } from '../openai-compatible.base.js';

/** Together AI. Its models route answers a bare JSON array, unlike OpenAI's `{ data }` list. */
export const together = defineOpenAiCompatible({
  id: 'together',
  displayName: 'Together AI',
  description: 'Open-weight models such as Llama, Qwen and Mixtral served by Together AI.',
  defaultBaseUrl: 'https://api.together.xyz/v1',
  keyFormat: {
    // No published validator exists; new keys start tgp_v1_, older ones are 64 hex characters.
    pattern: /^(?:tgp_v1_[A-Za-z0-9_-]{30,80}|[a-f0-9]{64})$/,
    knownPrefix: 'tgp_v1_',
    hint: 'tgp_v1_ followed by about 43 letters, digits, - or _ (older keys: 64 hex characters)',
    example: 'tgp_v1_…',
  },
  explicitPrefixes: ['together/'],
  barePrefixes: [],
  signupUrl: 'https://api.together.xyz/settings/api-keys',
  docsUrl: 'https://docs.together.ai/reference',
  validation: { success: 'bare-model-array' },
});
