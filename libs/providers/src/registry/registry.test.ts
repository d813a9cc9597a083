import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../types.js';
import { listProviders, PROVIDERS } from './index.js';

const BASE_URLS = {
  openrouter: 'https://openrouter.ai/api/v1',
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  google: 'https://generativelanguage.googleapis.com',
  cohere: 'https://api.cohere.com',
  together: 'https://api.together.xyz/v1',
  groq: 'https://api.groq.com/openai/v1',
  perplexity: 'https://api.perplexity.ai',
} as const;

const VALIDATION = {
  openrouter: ['GET', '/key'],
  openai: ['GET', '/models'],
  anthropic: ['GET', '/v1/models'],
  google: ['GET', '/v1beta/models'],
  cohere: ['POST', '/v1/check-api-key'],
  together: ['GET', '/models'],
  groq: ['GET', '/models'],
  perplexity: ['POST', '/chat/completions'],
} as const;

const CHAT = {
  openrouter: ['openai', '/chat/completions', 'include_usage'],
  openai: ['openai', '/chat/completions', 'include_usage'],
  anthropic: ['anthropic', '/v1/messages', 'native'],
  google: ['gemini', '/v1beta/models', 'native'],
  cohere: ['openai', '/compatibility/v1/chat/completions', 'unsupported'],
  together: ['openai', '/chat/completions', 'include_usage'],
  groq: ['openai', '/chat/completions', 'include_usage'],
  perplexity: ['openai', '/chat/completions', 'include_usage'],
} as const;

describe('provider registry', () => {
  it('holds every provider id under its own key', () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual([...PROVIDER_IDS].sort());
    for (const id of PROVIDER_IDS) expect(PROVIDERS[id].id).toBe(id);
  });

  it.each(PROVIDER_IDS)('%s has the documented base URL, key check and chat spec', (id) => {
    const p = PROVIDERS[id];
    expect(p.defaultBaseUrl).toBe(BASE_URLS[id]);
    expect([p.validation.method, p.validation.path]).toEqual(VALIDATION[id]);
    expect([p.chat.dialect, p.chat.path, p.chat.streamUsage]).toEqual(CHAT[id]);
    expect(p.description).toMatch(/^[A-Z].*\.$/);
    expect(p.signupUrl).toMatch(/^https:\/\//);
    expect(p.docsUrl).toMatch(/^https:\/\//);
  });

  it.each(PROVIDER_IDS)('%s key pattern is anchored at both ends', (id) => {
    const { source } = PROVIDERS[id].keyFormat.pattern;
    expect(source.startsWith('^')).toBe(true);
    expect(source.endsWith('$')).toBe(true);
  });

  it('lists OpenRouter first and recommends only OpenRouter', () => {
    const list = listProviders();
    expect(list[0]?.id).toBe('openrouter');
    expect(list.filter((p) => p.recommended).map((p) => p.id)).toEqual(['openrouter']);
    expect(list).toHaveLength(PROVIDER_IDS.length);
  });

  it('presents Anthropic and Google keys in their own headers', () => {
    expect(PROVIDERS.anthropic.auth).toEqual({ kind: 'header', header: 'x-api-key', extraHeaders: { 'anthropic-version': '2023-06-01' } });
    expect(PROVIDERS.google.auth).toEqual({ kind: 'header', header: 'x-goog-api-key' });
    for (const id of ['openrouter', 'openai', 'cohere', 'together', 'groq', 'perplexity'] as const) {
      expect(PROVIDERS[id].auth).toEqual({ kind: 'bearer' });
    }
  });

  it('gives each prefix to exactly one provider', () => {
    const all = listProviders().flatMap((p) => [...p.explicitPrefixes, ...p.barePrefixes]);
    expect(new Set(all).size).toBe(all.length);
    for (const p of listProviders()) {
      expect(p.explicitPrefixes).toContain(`${p.id}/`);
      for (const prefix of [...p.explicitPrefixes, ...p.barePrefixes]) expect(prefix).toBe(prefix.toLowerCase());
    }
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(PROVIDERS)).toBe(true);
  });
});
