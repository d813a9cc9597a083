import { defineOpenAiCompatible } from '../openai-compatible.base.js';

/**
 * Cohere. Chat goes through its OpenAI compatibility API, which rejects `stream_options`, so
 * streamed usage is `unsupported` and the adapter must strip that field.
 */
export const cohere = defineOpenAiCompatible({
  id: 'cohere',
  displayName: 'Cohere',
  description: 'Command models from Cohere, strong at retrieval-augmented generation.',
  defaultBaseUrl: 'https://api.cohere.com',
  keyFormat: {
    pattern: /^[A-Za-z0-9]{40}$/,
    knownPrefix: '',
    hint: '40 letters and digits with no prefix',
    example: '…',
  },
  explicitPrefixes: ['cohere/'],
  barePrefixes: ['command-'],
  openRouterVendor: 'cohere',
  signupUrl: 'https://dashboard.cohere.com/api-keys',
  docsUrl: 'https://docs.cohere.com/reference/about',
  validation: {
    method: 'POST',
    path: '/v1/check-api-key',
    success: 'cohere-check',
  },
  chat: { path: '/compatibility/v1/chat/completions', streamUsage: 'unsupported' },
});
