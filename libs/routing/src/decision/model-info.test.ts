import { describe, expect, it } from 'vitest';
import { createModelResolver, resolveModelInfo } from './model-info.js';

describe('resolveModelInfo', () => {
  it.each([
    ['gpt-4o-mini', 'openai', 'openai/gpt-4o-mini'],
    ['groq/llama-3.1-8b-instant', 'groq', 'llama-3.1-8b-instant'],
    ['openrouter/x/y', 'openrouter', 'x/y'],
    ['x/y', 'unknown', 'x/y'],
  ])('%s → %s, OpenRouter name %s', (model, provider, openRouterModel) => {
    const info = resolveModelInfo(model);
    expect(info.detected.provider).toBe(provider);
    expect(info.openRouterModel).toBe(openRouterModel);
  });
});

describe('createModelResolver', () => {
  it('returns the remembered result for a repeated model', () => {
    const models = createModelResolver();
    const first = models.info('claude-3-5-sonnet');
    expect(models.info('claude-3-5-sonnet')).toBe(first);
    expect(first).toEqual(resolveModelInfo('claude-3-5-sonnet'));
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('forgets the oldest model beyond its bound', () => {
    const models = createModelResolver({ maxEntries: 2 });
    const a = models.info('gpt-a');
    const b = models.info('gpt-b');
    models.info('gpt-c');
    expect(models.info('gpt-b')).toBe(b);
    expect(models.info('gpt-a')).not.toBe(a);
    expect(models.info('gpt-a')).toEqual(a);
  });

  it('does not remember names longer than the limit', () => {
    const models = createModelResolver({ maxModelLength: 10 });
    const long = `gpt-${'x'.repeat(20)}`;
    const first = models.info(long);
    expect(models.info(long)).not.toBe(first);
    expect(models.info(long)).toEqual(first);
  });
});
