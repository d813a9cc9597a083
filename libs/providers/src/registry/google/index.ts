import type { ProviderDefinition } from '../../provider-definition.js';

/**
 * Google Gemini (AI Studio). The base URL has no version segment because the native API lives
 * under `/v1beta`; paths carry it. An invalid key is a 400 `API_KEY_INVALID`, not a 401.
 */
export const google: ProviderDefinition = {
  id: 'google',
  displayName: 'Google Gemini',
  description: 'Gemini models through a Google AI Studio key.',
  recommended: false,
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  auth: { kind: 'header', header: 'x-goog-api-key' },
  keyFormat: {
    pattern: /^AIza[\w-]{35}$/,
    knownPrefix: 'AIza',
    hint: 'AIza followed by 35 letters, digits, - or _',
    example: 'AIza…',
  },
  explicitPrefixes: ['google/'],
  barePrefixes: ['gemini-', 'palm-'],
  openRouterVendor: 'google',
  signupUrl: 'https://aistudio.google.com/app/apikey',
  docsUrl: 'https://ai.google.dev/gemini-api/docs',
  validation: {
    method: 'GET',
    path: '/v1beta/models',
    query: { pageSize: '1000' },
    success: 'gemini-model-list',
    rules: [{ status: 400, bodyPattern: /API_KEY_INVALID|API key not valid|API Key not found/, outcome: 'invalid' }],
  },
  // The adapter appends `/{model}:generateContent` or `/{model}:streamGenerateContent?alt=sse`.
  chat: { dialect: 'gemini', path: '/v1beta/models', streamUsage: 'native' },
};
