import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS, type ProviderId } from '../types.js';
import { PROVIDERS } from '../registry/index.js';
import { chatAdapterFor, clientWantsStreamUsage } from './chat-adapters.js';

/** Where each registered provider's chat request goes, streaming and not, with the registry's real data. */
const EXPECTED: Record<ProviderId, { url: string; streamUrl: string; authHeader: [string, string] }> = {
  openrouter: { url: 'https://openrouter.ai/api/v1/chat/completions', streamUrl: 'https://openrouter.ai/api/v1/chat/completions', authHeader: ['authorization', 'Bearer K'] },
  openai: { url: 'https://api.openai.com/v1/chat/completions', streamUrl: 'https://api.openai.com/v1/chat/completions', authHeader: ['authorization', 'Bearer K'] },
  anthropic: { url: 'https://api.anthropic.com/v1/messages', streamUrl: 'https://api.anthropic.com/v1/messages', authHeader: ['x-api-key', 'K'] },
  google: {
    url: 'https://generativelanguage.googleapis.com/v1beta/models/m-1:generateContent',
    streamUrl: 'https://generativelanguage.googleapis.com/v1beta/models/m-1:streamGenerateContent?alt=sse',
    authHeader: ['x-goog-api-key', 'K'],
  },
  cohere: { url: 'https://api.cohere.com/compatibility/v1/chat/completions', streamUrl: 'https://api.cohere.com/compatibility/v1/chat/completions', authHeader: ['authorization', 'Bearer K'] },
  together: { url: 'https://api.together.xyz/v1/chat/completions', streamUrl: 'https://api.together.xyz/v1/chat/completions', authHeader: ['authorization', 'Bearer K'] },
  groq: { url: 'https://api.groq.com/openai/v1/chat/completions', streamUrl: 'https://api.groq.com/openai/v1/chat/completions', authHeader: ['authorization', 'Bearer K'] },
  perplexity: { url: 'https://api.perplexity.ai/chat/completions', streamUrl: 'https://api.perplexity.ai/chat/completions', authHeader: ['authorization', 'Bearer K'] },
};

describe('chatAdapterFor with the provider registry', () => {
  it.each(PROVIDER_IDS)('%s: builds requests to the real endpoint with the real auth', (id) => {
    const provider = PROVIDERS[id];
    const adapter = chatAdapterFor(provider.chat);
    for (const stream of [false, true]) {
      const result = adapter.buildRequest({
        request: { model: `x/m-1`, messages: [{ role: 'user', content: 'hi' }], stream },
        upstreamModel: 'm-1',
        apiKey: 'K',
        baseUrl: provider.defaultBaseUrl,
        spec: provider.chat,
        auth: provider.auth,
      });
      if (!result.ok) throw new Error(result.error.body.error.message);
      const [name, value] = EXPECTED[id].authHeader;
      expect(result.value.url).toBe(stream ? EXPECTED[id].streamUrl : EXPECTED[id].url);
      expect(result.value.headers[name]).toBe(value);
      if (provider.chat.dialect === 'anthropic') expect(result.value.headers['anthropic-version']).toBe('2023-06-01');
      const body = JSON.parse(result.value.body) as Record<string, unknown>;
      // Only OpenAI-compatible providers that accept stream_options get it.
      expect('stream_options' in body).toBe(stream && provider.chat.streamUsage === 'include_usage');
    }
  });

  it('reads whether the client asked for the usage chunk', () => {
    expect(clientWantsStreamUsage({ stream_options: { include_usage: true } })).toBe(true);
    expect(clientWantsStreamUsage({ stream_options: { include_usage: false } })).toBe(false);
    expect(clientWantsStreamUsage({ stream_options: null })).toBe(false);
    expect(clientWantsStreamUsage({})).toBe(false);
  });
});
