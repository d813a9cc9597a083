import type { ProviderDefinition } from '../../provider-definition.js';

/**
 * Anthropic. Keys go in `x-api-key` with a pinned `anthropic-version`; bearer auth is only for
 * OAuth tokens, which are not BYOK keys.
 */
export const anthropic: ProviderDefinition = {
  id: 'anthropic',
  displayName: 'Anthropic',
  description: 'Claude models straight from Anthropic.',
  recommended: false,
  defaultBaseUrl: 'https://api.anthropic.com',
  auth: { kind: 'header', header: 'x-api-key', extraHeaders: { 'anthropic-version': '2023-06-01' } },
  keyFormat: {
    pattern: /^sk-ant-api03-[A-Za-z0-9_-]{93}AA$/,
    knownPrefix: 'sk-ant-api03-',
    hint: 'sk-ant-api03- followed by 95 letters, digits, - or _ ending in AA',
    example: 'sk-ant-api03-…',
  },
  explicitPrefixes: ['anthropic/'],
  barePrefixes: ['claude-'],
  openRouterVendor: 'anthropic',
  signupUrl: 'https://console.anthropic.com/settings/keys',
  docsUrl: 'https://docs.anthropic.com/en/api/overview',
  validation: {
    method: 'GET',
    path: '/v1/models',
    // The largest page, so one call returns every model the key reaches.
    query: { limit: '1000' },
    success: 'anthropic-model-list',
    rules: [{ status: 400, bodyPattern: /credit balance is too low/i, outcome: 'no_credit' }],
  },
  chat: { dialect: 'anthropic', path: '/v1/messages', streamUsage: 'native' },
};
