import { credentialId, decodeScenario, fakeKey, SCENARIOS } from '@byok/mock-providers';
import { checkKeyFormat, PROVIDER_IDS } from '@byok/providers';
import { describe, expect, it } from 'vitest';

const ALL = PROVIDER_IDS.flatMap((p) => SCENARIOS.map((s) => [p, s] as const));

describe('fakeKey', () => {
  it.each(ALL)('%s/%s passes the key format and decodes back', (provider, scenario) => {
    const key = fakeKey(provider, scenario, 'seed-1');
    expect(checkKeyFormat(provider, key)).toEqual({ ok: true });
    expect(decodeScenario(provider, key)).toBe(scenario);
  });

  it('is deterministic per seed and distinct across seeds', () => {
    expect(fakeKey('groq', 'valid', 'a')).toBe(fakeKey('groq', 'valid', 'a'));
    expect(fakeKey('groq', 'valid', 'a')).not.toBe(fakeKey('groq', 'valid', 'b'));
    expect(fakeKey('groq', 'valid')).not.toBe(fakeKey('groq', 'rate_limited'));
  });

  it('does not decode keys it did not make', () => {
    expect(decodeScenario('openai', 'sk-not-a-key')).toBeUndefined();
    // A fake key of one provider means nothing to another.
    expect(decodeScenario('groq', fakeKey('perplexity', 'valid'))).toBeUndefined();
    // Well-formed but unmarked keys are unknown to the mock.
    expect(decodeScenario('cohere', 'a1B2'.repeat(10))).toBeUndefined();
    expect(decodeScenario('openrouter', `sk-or-v1-${'0f'.repeat(32)}`)).toBeUndefined();
  });

  it('identifies credentials by a hash that does not reveal the key', () => {
    const key = fakeKey('openai', 'valid');
    const id = credentialId(key);
    expect(id).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(key).not.toContain(id.slice(7));
  });
});
