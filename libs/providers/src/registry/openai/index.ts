import { defineOpenAiCompatible } from '../openai-compatible.base.js';

// Legacy user keys (51 characters) and the newer project/service-account/admin keys; both carry
// the `T3BlbkFJ` marker in the middle (secret-scanner rule, providers.md §0).
const LEGACY = 'sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}';
const SCOPED = 'sk-(?:proj|svcacct|admin)-(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})T3BlbkFJ(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})';

/** OpenAI. A key without quota still lists models; see the no-credit rule below. */
export const openai = defineOpenAiCompatible({
  id: 'openai',
  displayName: 'OpenAI',
  description: 'Direct access to GPT and o-series models with your own OpenAI account.',
  defaultBaseUrl: 'https://api.openai.com/v1',
  keyFormat: {
    pattern: new RegExp(`^(?:${LEGACY}|${SCOPED})$`),
    knownPrefix: 'sk-',
    hint: 'sk-proj- (or sk-) followed by letters, digits, - and _ with T3BlbkFJ in the middle',
    example: 'sk-proj-…',
  },
  explicitPrefixes: ['openai/'],
  barePrefixes: ['gpt-', 'o1', 'o3', 'o4', 'chatgpt-', 'ft:gpt-'],
  openRouterVendor: 'openai',
  signupUrl: 'https://platform.openai.com/api-keys',
  docsUrl: 'https://platform.openai.com/docs/api-reference',
  validation: {
    // Real OpenAI lists models for a key without quota; should it ever answer 429
    // insufficient_quota, that is a credit problem, not a rate limit.
    rules: [{ status: 429, bodyPattern: /insufficient_quota/, outcome: 'no_credit' }],
  },
});
