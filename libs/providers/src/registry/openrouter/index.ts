import { defineOpenAiCompatible } from '../openai-compatible.base.js';

/**
 * OpenRouter. Its key check (`GET /key`) lists no models but reports the key's spending limit,
 * which is the only place a no-credit key shows before a chat call fails with 402.
 */
export const openrouter = defineOpenAiCompatible({
  id: 'openrouter',
  displayName: 'OpenRouter',
  description: 'One key reaches hundreds of models from every major vendor through a single API.',
  recommended: true,
  defaultBaseUrl: 'https://openrouter.ai/api/v1',
  keyFormat: {
    pattern: /^sk-or-v1-[a-f0-9]{64}$/,
    knownPrefix: 'sk-or-v1-',
    hint: 'sk-or-v1- followed by 64 hex characters',
    example: 'sk-or-v1-…',
  },
  explicitPrefixes: ['openrouter/'],
  barePrefixes: [],
  signupUrl: 'https://openrouter.ai/settings/keys',
  docsUrl: 'https://openrouter.ai/docs',
  validation: { path: '/key', success: 'openrouter-key' },
});
