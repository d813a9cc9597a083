import { describe, expect, it } from 'vitest';
import { compileListedModels, modelFamily } from './model-family.js';

describe('listed models', () => {
  it('takes a name that differs from a listed one only in its version', () => {
    const lists = compileListedModels(new Set(['claude-3-5-haiku-20241022', 'gpt-4o-2024-08-06', 'gemini-2.0-flash-001', 'o3-mini']));
    for (const model of ['claude-3-5-haiku-20241022', 'claude-3-5-haiku-latest', 'claude-3-5-haiku', 'gpt-4o', 'gpt-4o-2024-11-20', 'gemini-2.0-flash', 'o3-mini-latest']) {
      expect(lists(model), model).toBe(true);
    }
  });

  it('refuses a name of no listed family', () => {
    const lists = compileListedModels(new Set(['gpt-4o', 'gpt-4o-mini']));
    for (const model of ['gpt-4', 'gpt-4o-mini-high', 'o3-mini', 'gpt-4o-mini-mid-stream-error', 'gpt']) expect(lists(model), model).toBe(false);
  });

  it('strips one version only', () => {
    expect(modelFamily('mistral-large-2411')).toBe('mistral-large');
    expect(modelFamily('x-2024-08-06')).toBe('x');
    expect(modelFamily('x-12')).toBe('x-12');
    expect(modelFamily('latest')).toBe('latest');
  });
});
