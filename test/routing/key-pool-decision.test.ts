import type { ProviderId } from '@byok/providers';
import {
  compileAllowList,
  decideRoute,
  formatReceipt,
  indexUserKeys,
  type KeyAvailability,
  type RouteInput,
  RunTurns,
  toUserKeyCandidate,
  type UserKeyCandidate,
} from '@byok/routing';
import { describe, expect, it } from 'vitest';

/** The routing rule over a pool of keys per provider (issue #14), without servers. */

function key(provider: ProviderId, label: string, overrides: Partial<UserKeyCandidate> = {}): UserKeyCandidate {
  return { provider, keyId: `${provider}-${label}`, label, enabled: true, testStatus: 'valid', ...overrides };
}

function decide(keys: UserKeyCandidate[], extra: Partial<RouteInput> = {}, model = 'gpt-4o-mini') {
  return decideRoute({ model, userKeys: indexUserKeys(keys), systemKeys: { openai: true }, creditBalanceMicro: 1_000_000, ...extra });
}

const fail = (): never => {
  throw new Error('no turn group');
};

const usable = (d: ReturnType<typeof decide>) => d.candidates.filter((c) => c.status === 'chosen' || c.status === 'fallback').map((c) => c.keyId ?? `system(${c.provider})`);

describe('the candidates of a key pool', () => {
  it('orders the OpenRouter keys by priority, then the provider keys by priority, then the platform key', () => {
    const d = decide([key('openai', 'b', { priority: 2 }), key('openai', 'a', { priority: 1 }), key('openrouter', 'late', { priority: 9 }), key('openrouter', 'early', { priority: 3 })]);
    expect(usable(d)).toEqual(['openrouter-early', 'openrouter-late', 'openai-a', 'openai-b', 'system(openai)']);
    expect(formatReceipt(d)).toBe(
      'user_openrouter(early):chosen; user_openrouter(late):not_needed; user_provider(openai/a):not_needed; user_provider(openai/b):not_needed; system(openai):not_needed; system(openrouter):skipped=no_system_key',
    );
  });

  it('names the default key by its label too, in one spelling whatever its case', () => {
    expect(formatReceipt(decide([key('openai', 'Default')]))).toBe('user_openrouter:skipped=no_key; user_provider(openai/default):chosen; system(openai):not_needed; system(openrouter):skipped=no_system_key');
  });

  it('lets keys of equal priority take turns, per run, moved only when the run serves', () => {
    const keys = [
      key('openai', 'x', { priority: 1 }),
      key('openai', 'y', { priority: 1 }),
      key('openai', 'z', { priority: 2 }),
      key('openai', 'w', { priority: 2 }),
      key('anthropic', 'p', { priority: 1 }),
      key('anthropic', 'q', { priority: 1 }),
    ];
    const index = indexUserKeys(keys);
    const turns = new RunTurns();
    const order = (model: string) => {
      const d = decideRoute({ model, userKeys: index, systemKeys: {}, creditBalanceMicro: null, turns });
      return d.outcome === 'routed' ? usable(d) : [];
    };
    const serve = (model: string) => {
      const d = decideRoute({ model, userKeys: index, systemKeys: {}, creditBalanceMicro: null, turns });
      if (d.outcome === 'routed' && d.chosen.turnGroup !== undefined) turns.advance(d.chosen.turnGroup);
    };
    expect(order('gpt-4o')).toEqual(['openai-x', 'openai-y', 'openai-z', 'openai-w']);
    // Deciding alone moves nothing; another provider's run serving moves only its own.
    expect(order('gpt-4o')).toEqual(['openai-x', 'openai-y', 'openai-z', 'openai-w']);
    serve('claude-3-5-haiku');
    expect(order('claude-3-5-haiku')).toEqual(['anthropic-q', 'anthropic-p']);
    expect(order('gpt-4o')).toEqual(['openai-x', 'openai-y', 'openai-z', 'openai-w']);
    serve('gpt-4o');
    expect(order('gpt-4o')).toEqual(['openai-y', 'openai-x', 'openai-z', 'openai-w']);
    serve('gpt-4o');
    expect(order('gpt-4o')).toEqual(['openai-x', 'openai-y', 'openai-z', 'openai-w']);
    // The second run turns by itself.
    turns.advance(index.byProvider.get('openai')?.[2]?.turnGroup ?? fail());
    expect(order('gpt-4o')).toEqual(['openai-x', 'openai-y', 'openai-w', 'openai-z']);
  });

  it('skips a key that is cooling down or whose circuit is open, with the reason', () => {
    const blocked: Record<string, 'cooling_down' | 'circuit_open'> = { 'openai-a': 'cooling_down', 'openai-b': 'circuit_open' };
    const keyHealth: KeyAvailability = { blocked: (id) => (blocked[id] ? { reason: blocked[id] } : null) };
    const d = decide([key('openai', 'a', { priority: 1 }), key('openai', 'b', { priority: 2 }), key('openai', 'c', { priority: 3 })], { keyHealth });
    expect(d.outcome === 'routed' && d.chosen.keyId).toBe('openai-c');
    expect(formatReceipt(d)).toContain('user_provider(openai/a):skipped=cooling_down; user_provider(openai/b):skipped=circuit_open; user_provider(openai/c):chosen');
  });

  it('skips a key outside its allow-list (model_not_allowed) and one whose last test did not list the model (model_unavailable)', () => {
    const d = decide(
      [
        key('openai', 'minis', { priority: 1, models: ['*-mini', 'o3-mini'] }),
        key('openai', 'listed', { priority: 2, reachableModels: new Set(['gpt-4o-mini']) }),
        key('openai', 'fours', { priority: 3, models: ['gpt-4o*'] }),
        key('openai', 'old', { priority: 4, reachableModels: new Set(['gpt-3.5-turbo']) }),
      ],
      {},
      'gpt-4o',
    );
    expect(d.candidates.filter((c) => c.keyId !== undefined).map((c) => `${c.label}:${c.status}:${c.status === 'skipped' ? c.reason : ''}`)).toEqual([
      'minis:skipped:model_not_allowed',
      'listed:skipped:model_unavailable',
      'fours:chosen:',
      'old:skipped:model_unavailable',
    ]);
  });

  it('matches an allow-list against the name the client sent and the upstream name (an OpenRouter key allowed gpt-4o*)', () => {
    const d = decide([key('openrouter', 'or', { models: ['gpt-4o*'] })], {}, 'gpt-4o-mini');
    expect(d.outcome === 'routed' && d.chosen.keyId).toBe('openrouter-or');
    expect(decide([key('openrouter', 'or', { models: ['openai/*'] })], {}, 'gpt-4o-mini').outcome === 'routed').toBe(true);
    expect(decide([key('openrouter', 'or', { models: ['claude-*'] })], {}, 'gpt-4o-mini').candidates[0]?.reason).toBe('model_not_allowed');
  });

  it('skips a key that reported no credit, also when nothing else can serve', () => {
    const broke = key('openai', 'broke', { priority: 1, validationOutcome: 'no_credit', testStatus: 'error' });
    const withOther = decide([broke, key('openai', 'ok', { priority: 2 })]);
    expect(usable(withOther)).toEqual(['openai-ok', 'system(openai)']);
    expect(formatReceipt(withOther)).toContain('user_provider(openai/broke):skipped=no_credit');
    const withPlatform = decide([broke]);
    expect(withPlatform.outcome === 'routed' && withPlatform.chosen.credentialSource).toBe('system');
    const alone = decideRoute({ model: 'gpt-4o', userKeys: [broke], systemKeys: {}, creditBalanceMicro: null });
    expect(alone.outcome).toBe('no_route');
    expect(alone.outcome !== 'routed' && alone.message).toContain('your OpenAI key "broke" has no credit left at the provider');
  });

  it('with platform_fallback never, skips the platform keys and says why; no_route when no key of the user can serve', () => {
    const d = decide([key('openai', 'a', { enabled: false })], { platformFallback: 'never' });
    expect(d.outcome).toBe('no_route');
    expect(formatReceipt(d)).toBe(
      'user_openrouter:skipped=no_key; user_provider(openai/a):skipped=disabled; system(openai):skipped=platform_fallback_never; system(openrouter):skipped=no_system_key',
    );
    expect(d.outcome !== 'routed' && d.message).toMatch(/platform_fallback: never/);
    expect(d.outcome !== 'routed' && d.message).toContain('your OpenAI key "a" is disabled');
    // With a usable key, the setting changes nothing but the platform row.
    const served = decide([key('openai', 'b')], { platformFallback: 'never' });
    expect(served.outcome === 'routed' && served.chosen.keyId).toBe('openai-b');
    expect(usable(served)).toEqual(['openai-b']);
  });

  it('skips a resting or unlisting key also when nothing else can serve, says when it may serve again, and explains every skipped key', () => {
    const keyHealth: KeyAvailability = { blocked: (id) => (id === 'openai-default' ? { reason: 'cooling_down', untilMs: 5_000 } : id === 'openai-tripped' ? { reason: 'circuit_open', untilMs: 30_000 } : null) };
    const keys = indexUserKeys([
      key('openai', 'default'),
      key('openai', 'tripped'),
      key('openai', 'work', { models: ['o3*'] }),
      key('openai', 'old', { reachableModels: new Set(['gpt-3.5-turbo']) }),
    ]);
    const d = decideRoute({ model: 'gpt-4o', userKeys: keys, systemKeys: {}, creditBalanceMicro: null, keyHealth });
    expect(d).toMatchObject({ outcome: 'no_route', retryAt: 5_000 });
    expect(formatReceipt(d)).toBe(
      'user_openrouter:skipped=no_key; user_provider(openai/default):skipped=cooling_down; user_provider(openai/tripped):skipped=circuit_open; user_provider(openai/work):skipped=model_not_allowed; user_provider(openai/old):skipped=model_unavailable; system(openai):skipped=no_system_key; system(openrouter):skipped=no_system_key',
    );
    expect(d.outcome !== 'routed' && d.message).toContain('your OpenAI key is cooling down');
    expect(d.outcome !== 'routed' && d.message).toContain('your OpenAI key "old" cannot reach this model');
    // With the platform's key allowed, it serves instead.
    const platform = decideRoute({ model: 'gpt-4o', userKeys: keys, systemKeys: { openai: true }, creditBalanceMicro: 1, keyHealth });
    expect(platform.outcome === 'routed' && platform.chosen.credentialSource).toBe('system');
    const none = decideRoute({ model: 'gpt-4o', userKeys: indexUserKeys([key('openai', 'default', { enabled: false }), key('openai', 'work', { models: ['o3*'] })]), systemKeys: {}, creditBalanceMicro: null });
    expect(none.outcome !== 'routed' && none.message).toContain('your OpenAI key is disabled');
    expect(none.outcome !== 'routed' && none.message).toContain('your OpenAI key "work" is not allowed for this model');
  });

  it('keeps user text out of the receipt: a label is reduced to safe characters', () => {
    const receipt = formatReceipt(decide([key('openai', 'x; system(openai):chosen\r\n')]));
    expect(receipt).toMatch(/^user_openrouter:skipped=no_key; user_provider\(openai\/x_ system_openai__chosen__\):chosen; /);
  });
});

describe('allow-lists', () => {
  it('matches exact names and * globs, nothing else', () => {
    const allows = compileAllowList(['gpt-4o*', 'o3-mini', '*-haiku-*', 'a.b']);
    expect(['gpt-4o', 'gpt-4o-mini', 'o3-mini', 'claude-3-5-haiku-latest', 'a.b'].every(allows)).toBe(true);
    expect(['gpt-4', 'o3-mini-high', 'axb', 'GPT-4O'].some(allows)).toBe(false);
    expect(compileAllowList([])('gpt-4o')).toBe(false);
  });
});

describe('stored keys', () => {
  const row = { id: 'k1', provider: 'openai', apiKeyEncrypted: 't', label: 'work', priority: 4, models: ['gpt-4o*'] };
  it('carry label, priority, allow-list and the complete model list of the last test', () => {
    expect(toUserKeyCandidate({ ...row, metadata: { validation: { outcome: 'valid', models: ['gpt-4o', 'gpt-4o-mini'] } } })).toMatchObject({
      label: 'work',
      priority: 4,
      models: ['gpt-4o*'],
      reachableModels: new Set(['gpt-4o', 'gpt-4o-mini']),
    });
  });
  it('ignore a truncated, empty or missing model list', () => {
    for (const validation of [{ models: ['a'], models_truncated: true }, { models: [] }, { models: null }, {}]) {
      expect(toUserKeyCandidate({ ...row, metadata: { validation } })?.reachableModels).toBeUndefined();
    }
  });
});
