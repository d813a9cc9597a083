import { describe, expect, it } from 'vitest';
import { decideRoute } from './decide-route.js';
import { formatReceipt, MAX_RECEIPT_CHARS, receiptJson } from './receipt.js';
import type { RouteCandidate, RouteDecision, UserKeyCandidate } from './route-decision.types.js';

const HEADER_SAFE = /^[\x20-\x7e]*$/;

function manyKeys(count: number): UserKeyCandidate[] {
  return Array.from({ length: count }, (_, i) => ({ provider: 'openai', keyId: `key-${i}`, enabled: i % 3 !== 0, testStatus: 'valid' }));
}

function candidate(overrides: Partial<RouteCandidate>): RouteCandidate {
  return { credentialSource: 'system', provider: 'openai', upstreamModel: 'gpt-4o', status: 'skipped', reason: 'no_system_key', ...overrides };
}

describe('formatReceipt', () => {
  it('stays header-safe and under the limit however many candidates there are', () => {
    for (const count of [0, 1, 5, 20, 21, 22, 40, 200]) {
      const decision = decideRoute({ model: 'gpt-4o', userKeys: manyKeys(count), systemKeys: { openai: true }, creditBalanceMicro: 1 });
      const receipt = formatReceipt(decision);
      expect(receipt).toMatch(HEADER_SAFE);
      expect(receipt.length).toBeLessThanOrEqual(MAX_RECEIPT_CHARS);
      const shown = receipt.split('; ').filter((entry) => !entry.startsWith('+'));
      const more = /; \+(\d+) more$/.exec(receipt);
      // Every candidate is either shown or counted in the tail.
      expect(shown.length + (more ? Number(more[1]) : 0)).toBe(decision.candidates.length);
    }
  });

  it('replaces anything but printable ASCII in a hand-built candidate', () => {
    const decision: RouteDecision = {
      outcome: 'no_route',
      message: 'x',
      candidates: [candidate({ reason: 'bad\r\nX-Injected: 1 é 😀' })],
    };
    const receipt = formatReceipt(decision);
    expect(receipt).toMatch(HEADER_SAFE);
    expect(receipt).toBe('system(openai):skipped=bad??X-Injected: 1 ? ??');
  });

  it('sanitises every field of a hand-built candidate, not only the reason', () => {
    const odd = { credentialSource: 'org\n', provider: 'ac\u00e9', status: 'fallback', reason: 'r\u00e9' } as unknown as RouteCandidate;
    const receipt = formatReceipt({ outcome: 'no_route', message: 'x', candidates: [candidate({ ...odd, upstreamModel: 'm' })] });
    expect(receipt).toBe('org?(ac?):r?');
  });

  it('gives the answering attempt its upstream outcome: chosen=200, chosen=timeout', () => {
    const answered = (value: string) => formatReceipt({ outcome: 'no_route', message: 'x', candidates: [candidate({ status: 'chosen', reason: 'chosen: x', answered: value })] });
    expect(answered('200')).toBe('system(openai):chosen=200');
    expect(answered('timeout')).toBe('system(openai):chosen=timeout');
    expect(answered('2\r\n0')).toBe('system(openai):chosen=2??0');
  });

  it('cuts a single oversized entry down to a count', () => {
    const decision: RouteDecision = { outcome: 'no_route', message: 'x', candidates: [candidate({ reason: 'r'.repeat(2000) })] };
    expect(formatReceipt(decision)).toBe('+1 more');
  });

  it('matches the documented example', () => {
    const decision = decideRoute({
      model: 'gpt-4o-mini',
      userKeys: [{ provider: 'openrouter', keyId: 'or', enabled: true, testStatus: 'untested' }],
      systemKeys: { openai: true },
      creditBalanceMicro: 0,
    });
    expect(formatReceipt(decision)).toBe(
      'user_openrouter(default):chosen; user_provider(openai):skipped=no_key; system(openai):not_needed; system(openrouter):skipped=no_system_key',
    );
  });
});

describe('receiptJson', () => {
  it('lists every candidate in snake_case with key ids and nulls for absent fields', () => {
    const decision = decideRoute({
      model: 'claude-3-5-haiku',
      userKeys: [
        { provider: 'openrouter', keyId: 'or-1', enabled: false, testStatus: 'valid' },
        { provider: 'anthropic', keyId: 'an-1', enabled: true, testStatus: 'valid' },
      ],
      systemKeys: {},
      creditBalanceMicro: null,
    });
    const json = receiptJson(decision);
    expect(json).toEqual({
      outcome: 'routed',
      candidates: [
        { source: 'user_openrouter', provider: 'openrouter', key_id: 'or-1', upstream_model: 'anthropic/claude-3-5-haiku', status: 'skipped', reason: 'disabled' },
        { source: 'user_provider', provider: 'anthropic', key_id: 'an-1', upstream_model: 'claude-3-5-haiku', status: 'chosen', reason: 'chosen: your anthropic key' },
        { source: 'system', provider: 'anthropic', key_id: null, upstream_model: 'claude-3-5-haiku', status: 'skipped', reason: 'no_system_key' },
        { source: 'system', provider: 'openrouter', key_id: null, upstream_model: 'anthropic/claude-3-5-haiku', status: 'skipped', reason: 'no_system_key' },
      ],
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
