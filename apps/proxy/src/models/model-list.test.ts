import { createModelResolver, type StoredUserKey } from '@byok/routing';
import { describe, expect, it } from 'vitest';
import { buildModelList } from './model-list.js';

const row = (provider: string, models: string[] | null, extra: Partial<StoredUserKey> = {}): StoredUserKey => ({
  id: `${provider}-key`,
  provider,
  apiKeyEncrypted: 'not-read',
  enabled: true,
  testStatus: 'valid',
  metadata: { validation: { outcome: 'valid', models } },
  ...extra,
});

describe('buildModelList', () => {
  const models = createModelResolver();

  it('lists validated names routable back to their provider, and each reachable provider', () => {
    const list = buildModelList([row('groq', ['llama-3.1-8b-instant']), row('anthropic', ['claude-3-5-haiku-latest'])], {}, models);
    expect(list.object).toBe('list');
    expect(list.data.map((m) => m.id)).toEqual(['anthropic/*', 'claude-3-5-haiku-latest', 'groq/*', 'groq/llama-3.1-8b-instant']);
    expect(list.data.find((m) => m.id === 'groq/llama-3.1-8b-instant')?.byok).toEqual({ route: 'user_provider', provider: 'groq', upstream_model: 'llama-3.1-8b-instant', charged: false, any_model: false });
  });

  it('skips disabled, invalid and unknown-provider keys, and junk in the metadata', () => {
    const list = buildModelList(
      [
        row('openai', ['gpt-4o'], { enabled: false }),
        row('google', ['gemini-2.0-flash'], { testStatus: 'invalid' }),
        row('mistral', ['mistral-large']),
        row('cohere', null, { metadata: { validation: { models: [42, '', 'command-r'] } } }),
      ],
      {},
      models,
    );
    expect(list.data.map((m) => m.id)).toEqual(['cohere/*', 'command-r']);
  });

  it('marks platform-key providers as charged and sends everything through an OpenRouter key', () => {
    expect(buildModelList([], { openai: true }, models).data).toEqual([
      { id: 'openai/*', object: 'model', created: 0, owned_by: 'openai', byok: { route: 'system', provider: 'openai', upstream_model: '*', charged: true, any_model: true } },
    ]);
    const viaRouter = buildModelList([row('openrouter', null), row('openai', ['gpt-4o'])], {}, models);
    expect(viaRouter.data.every((m) => m.byok.route === 'user_openrouter')).toBe(true);
    expect(viaRouter.data.find((m) => m.id === 'gpt-4o')?.byok.upstream_model).toBe('openai/gpt-4o');
  });
});
