import { defineOpenAiCompatible } from '../openai-compatible.base.js';

/**
 * Groq. It hosts other vendors' models (`llama-…`, `openai/gpt-oss-…`), so it claims no bare
 * prefix: those names are ambiguous and need the explicit `groq/` prefix.
 */
export const groq = defineOpenAiCompatible({
  id: 'groq',
  displayName: 'Groq',
  description: 'Very fast inference of open-weight models on Groq hardware.',
  defaultBaseUrl: 'https://api.groq.com/openai/v1',
  keyFormat: {
    pattern: /^gsk_[A-Za-z0-9]{48}$/,
    knownPrefix: 'gsk_',
    hint: 'gsk_ followed by 48 letters and digits',
    example: 'gsk_…',
  },
  explicitPrefixes: ['groq/'],
  barePrefixes: [],
  signupUrl: 'https://console.groq.com/keys',
  docsUrl: 'https://console.groq.com/docs',
});
