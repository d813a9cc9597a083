import { PROVIDER_IDS, type ProviderId } from '@byok/providers';
import { createModelResolver, type StoredUserKey } from '@byok/routing';
import { describe, expect, it } from 'vitest';
import { SHIPPED_PRICE_TABLE } from '../pricing/price-table.js';
import { isChatModelName, type KnownChatModels, knownChatModels } from './chat-models.js';
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

/** A small known-model table: one name per provider, so the expectations stay readable. */
const KNOWN: KnownChatModels = Object.fromEntries(PROVIDER_IDS.map((id) => [id, [] as string[]])) as Record<ProviderId, string[]>;
Object.assign(KNOWN, { anthropic: ['claude-3-5-haiku'], groq: ['llama-3.3-70b-versatile'], cohere: ['command-a'], openai: ['gpt-4o'], openrouter: ['deepseek/deepseek-chat'] });

describe('buildModelList', () => {
  const models = createModelResolver();

  it('lists validated chat models and the known models of each reachable provider, routable back to it', () => {
    const list = buildModelList([row('groq', ['llama-3.1-8b-instant']), row('anthropic', ['claude-3-5-haiku-latest']), row('cohere', null, { metadata: {} })], {}, models, KNOWN);
    expect(list.object).toBe('list');
    // A key whose test listed its models serves those and their aliases only (model_unavailable); one without a list, the known ones.
    expect(list.data.map((m) => m.id)).toEqual(['claude-3-5-haiku', 'claude-3-5-haiku-latest', 'command-a', 'groq/llama-3.1-8b-instant']);
    expect(list.data.find((m) => m.id === 'groq/llama-3.1-8b-instant')?.byok).toEqual({ route: 'user_provider', provider: 'groq', upstream_model: 'llama-3.1-8b-instant', charged: false });
  });

  // Issue #20 item 7: `anthropic/*` wildcards and embedding models were listed as models.
  it('never lists a pattern or a non-chat model', () => {
    const list = buildModelList([row('openai', ['gpt-4o-mini', 'text-embedding-3-small', 'whisper-1', 'tts-1', 'dall-e-3', 'omni-moderation-latest'])], { anthropic: true }, models, KNOWN);
    expect(list.data.map((m) => m.id)).toEqual(['claude-3-5-haiku', 'gpt-4o-mini']);
    const shipped = buildModelList([row('openrouter', null)], {}, models, knownChatModels(SHIPPED_PRICE_TABLE));
    expect(shipped.data.length).toBeGreaterThan(40);
    expect(shipped.data.filter((m) => m.id.includes('*') || !isChatModelName(m.id))).toEqual([]);
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
      KNOWN,
    );
    expect(list.data.map((m) => m.id)).toEqual(['command-r']);
  });

  it('marks platform-key providers as charged and sends everything through an OpenRouter key', () => {
    expect(buildModelList([], { openai: true }, models, KNOWN).data).toEqual([
      { id: 'gpt-4o', object: 'model', created: 0, owned_by: 'openai', byok: { route: 'system', provider: 'openai', upstream_model: 'gpt-4o', charged: true } },
    ]);
    const viaRouter = buildModelList([row('openrouter', null), row('openai', ['gpt-4o-mini'])], {}, models, KNOWN);
    expect(viaRouter.data.every((m) => m.byok.route === 'user_openrouter')).toBe(true);
    expect(viaRouter.data.find((m) => m.id === 'gpt-4o-mini')?.byok.upstream_model).toBe('openai/gpt-4o-mini');
    expect(viaRouter.data.map((m) => m.id)).toContain('openrouter/deepseek/deepseek-chat');
  });
});
