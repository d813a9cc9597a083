import { defineOpenAiCompatible } from '../openai-compatible.base.js';

/**
 * Perplexity. There is no models route, so the key check is the smallest possible chat call.
 * Tradeoff: it is billable (one output token on `sonar`, a fraction of a cent) and slower than a
 * list call, but it proves the key can actually chat. The unbilled alternative (send an invalid
 * body and read 400 as "key accepted") relies on auth being checked before body validation,
 * which is undocumented, so a wrong guess would mark bad keys valid.
 */
export const perplexity = defineOpenAiCompatible({
  id: 'perplexity',
  displayName: 'Perplexity',
  description: 'Sonar models that answer with live web search and citations.',
  defaultBaseUrl: 'https://api.perplexity.ai',
  keyFormat: {
    pattern: /^pplx-[A-Za-z0-9_]{48}$/,
    knownPrefix: 'pplx-',
    hint: 'pplx- followed by 48 letters, digits or _',
    example: 'pplx-…',
  },
  explicitPrefixes: ['perplexity/'],
  barePrefixes: ['sonar', 'r1-1776'],
  openRouterVendor: 'perplexity',
  signupUrl: 'https://www.perplexity.ai/settings/api',
  docsUrl: 'https://docs.perplexity.ai',
  validation: {
    method: 'POST',
    path: '/chat/completions',
    body: { model: 'sonar', max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] },
    success: 'chat-completion',
    note: 'No models route; a 1-token sonar chat call is billable but unambiguous.',
  },
});
