import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPriceTable, SHIPPED_PRICE_TABLE } from './price-table.js';
import { createPricer } from './pricer.js';

describe('createPricer', () => {
  const pricer = createPricer(SHIPPED_PRICE_TABLE);

  it('charges USD per million tokens as micro-dollars per token, rounded up', () => {
    // gpt-4o-mini: $0.15 in, $0.60 out per million.
    expect(pricer.costMicro('openai', 'gpt-4o-mini', 1_000_000, 0)).toBe(150_000);
    expect(pricer.costMicro('openai', 'gpt-4o-mini', 7, 3)).toBe(3); // 1.05 + 1.8 = 2.85
    expect(pricer.costMicro('openai', 'gpt-4o-mini', 4, 1)).toBe(2); // 0.6 + 0.6 = 1.2, float noise ignored
    expect(pricer.costMicro('openai', 'gpt-4o-mini', 0, 0)).toBe(0);
  });

  it('matches exactly, then by the longest listed prefix, then the provider default', () => {
    expect(pricer.priceOf('openai', 'gpt-4o-mini-2024-07-18')).toEqual(SHIPPED_PRICE_TABLE.models.openai['gpt-4o-mini']);
    expect(pricer.priceOf('openai', 'gpt-4o-2024-08-06')).toEqual(SHIPPED_PRICE_TABLE.models.openai['gpt-4o']);
    expect(pricer.priceOf('anthropic', 'claude-opus-4-5-20251101')).toEqual({ inputUsdPerMillion: 5, outputUsdPerMillion: 25 });
    expect(pricer.priceOf('anthropic', 'claude-opus-4-1-20250805')).toEqual({ inputUsdPerMillion: 15, outputUsdPerMillion: 75 });
    expect(pricer.priceOf('google', 'models/gemini-2.0-flash-001')).toEqual(SHIPPED_PRICE_TABLE.models.google['gemini-2.0-flash']);
    expect(pricer.priceOf('openai', 'some-future-model')).toEqual(SHIPPED_PRICE_TABLE.defaults.openai);
    expect(pricer.priceOf('together', 'Meta-Llama/Llama-3.3-70B-Instruct-Turbo')).toEqual({ inputUsdPerMillion: 0.88, outputUsdPerMillion: 0.88 });
  });

  it('prices OpenRouter slugs from its own list, else the vendor\'s list, else its default', () => {
    expect(pricer.priceOf('openrouter', 'anthropic/claude-3.5-sonnet')).toEqual({ inputUsdPerMillion: 3, outputUsdPerMillion: 15 });
    expect(pricer.priceOf('openrouter', 'openai/gpt-4o-mini')).toEqual(SHIPPED_PRICE_TABLE.models.openai['gpt-4o-mini']);
    expect(pricer.priceOf('openrouter', 'google/gemini-2.5-flash:free')).toEqual(SHIPPED_PRICE_TABLE.models.google['gemini-2.5-flash']);
    expect(pricer.priceOf('openrouter', 'nobody/knows')).toEqual(SHIPPED_PRICE_TABLE.defaults.openrouter);
  });

  it('lists a default for every provider', () => {
    for (const price of Object.values(SHIPPED_PRICE_TABLE.defaults)) expect(price.outputUsdPerMillion).toBeGreaterThan(0);
  });
});

describe('loadPriceTable (PRICE_TABLE_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'price-table-'));
  const write = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('merges listed models and defaults over the shipped table', () => {
    const table = loadPriceTable(write('ok.json', JSON.stringify({ models: { openai: { 'GPT-4o-mini': { input: 1, output: 2 }, 'my-ft-model': { input: 3, output: 4 } } }, defaults: { groq: { input: 9, output: 9 } } })));
    const pricer = createPricer(table);
    expect(pricer.priceOf('openai', 'gpt-4o-mini')).toEqual({ inputUsdPerMillion: 1, outputUsdPerMillion: 2 });
    expect(pricer.priceOf('openai', 'my-ft-model')).toEqual({ inputUsdPerMillion: 3, outputUsdPerMillion: 4 });
    expect(pricer.priceOf('openai', 'gpt-4o')).toEqual(SHIPPED_PRICE_TABLE.models.openai['gpt-4o']);
    expect(pricer.priceOf('groq', 'unknown')).toEqual({ inputUsdPerMillion: 9, outputUsdPerMillion: 9 });
  });

  it('fails start-up, naming the file and the problem, on a bad file', () => {
    expect(() => loadPriceTable(write('bad.json', '{'))).toThrow(/Invalid PRICE_TABLE_FILE .*bad\.json/);
    expect(() => loadPriceTable(write('neg.json', JSON.stringify({ models: { openai: { x: { input: -1, output: 1 } } } })))).toThrow(/\/models\/openai\/x\/input/);
    expect(() => loadPriceTable(write('prov.json', JSON.stringify({ models: { mistral: {} } })))).toThrow(/Invalid PRICE_TABLE_FILE/);
    expect(() => loadPriceTable(join(dir, 'missing.json'))).toThrow(/missing\.json/);
  });

  it('uses the shipped table when no file is set', () => {
    expect(loadPriceTable(undefined)).toBe(SHIPPED_PRICE_TABLE);
  });
});
