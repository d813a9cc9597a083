import { describe, expect, it } from 'vitest';
import { checkKeyFormat, listProviders, type ProviderId } from '@byok/providers';
import { fakeKey, SCENARIOS } from '@byok/mock-providers/fake-keys';
import type { ProviderInfo } from '../api/types.js';
import { checkKeyInput, MAX_KEY_LENGTH } from './key-format.js';

/** Each provider as GET /providers describes it (the same mapping as providers.routes.ts). */
const PROVIDERS: Array<Pick<ProviderInfo, 'id' | 'name' | 'key_format'>> = listProviders().map((p) => ({
  id: p.id,
  name: p.displayName,
  key_format: { pattern: p.keyFormat.pattern.source, hint: p.keyFormat.hint, example: p.keyFormat.example, known_prefix: p.keyFormat.knownPrefix },
}));

describe('checkKeyInput agrees with the server’s format check', () => {
  // Well-formed keys of every provider, cut short, with a stray character, and pasted into the wrong provider.
  const candidates = PROVIDERS.flatMap((p) =>
    SCENARIOS.flatMap((scenario) => {
      const key = fakeKey(p.id as ProviderId, scenario, 'web');
      return [key, key.slice(0, -3), `${key.slice(0, -1)}!`, key.slice(0, 12)];
    }),
  );

  it.each(PROVIDERS.map((p) => [p.id, p] as const))('%s: the page says “looks like” exactly when the server accepts the format', (id, provider) => {
    let accepted = 0;
    for (const key of candidates) {
      const server = checkKeyFormat(id as ProviderId, key).ok;
      const page = checkKeyInput(key, provider).check;
      expect(page.state === 'ok', key).toBe(server);
      if (!server) expect(page).toEqual({ state: 'mismatch', message: expect.stringContaining(provider.key_format.hint) });
      if (server) accepted++;
    }
    expect(accepted).toBeGreaterThanOrEqual(SCENARIOS.length);
  });

  it('trims what copy and paste adds around a key, and blocks what no key contains', () => {
    const groq = PROVIDERS.find((p) => p.id === 'groq');
    if (!groq) throw new Error('groq missing');
    const key = fakeKey('groq', 'valid');
    expect(checkKeyInput(`  ${key}\n`, groq)).toEqual({ key, check: { state: 'ok', message: 'Looks like a Groq key.' } });
    expect(checkKeyInput('', groq).check.state).toBe('empty');
    expect(checkKeyInput(' \t\n ', groq).check.state).toBe('empty');
    expect(checkKeyInput(`${key.slice(0, 10)} ${key.slice(10)}`, groq).check.state).toBe('blocked');
    expect(checkKeyInput('x'.repeat(MAX_KEY_LENGTH + 1), groq).check.state).toBe('blocked');
  });

  it('does not block anyone over a pattern the browser cannot compile', () => {
    const broken = { name: 'Broken', key_format: { pattern: '(', hint: 'anything', example: '', known_prefix: '' } };
    expect(checkKeyInput('whatever-key', broken).check.state).toBe('ok');
  });
});
