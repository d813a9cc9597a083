import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAllowList, MAX_MATCHED_MODEL_CHARS } from './model-allow-list.js';

/** What a `*` glob means, as an anchored regular expression: the oracle, fit only for short inputs. */
function oracle(pattern: string, model: string): boolean {
  const source = pattern
    .split('*')
    .map((run) => run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(model);
}

describe('compileAllowList', () => {
  it('matches what the regular-expression reading of each glob matches, on short names', () => {
    const text = (maxLength: number) => fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', '*'), maxLength });
    fc.assert(
      fc.property(fc.array(text(8), { minLength: 1, maxLength: 3 }), text(12), (patterns, raw) => {
        const model = raw.replaceAll('*', 'x');
        expect(compileAllowList(patterns)(model)).toBe(patterns.some((pattern) => oracle(pattern, model)));
      }),
      { numRuns: 2000 },
    );
  });

  it('answers a pattern that made the regular expression backtrack for seconds, on a long name, at once', () => {
    // Each star doubled the ways a backtracking engine split the name: 2^97 here. The matcher takes
    // each run at its leftmost place once, so this is a few thousand comparisons (see globMatches).
    const pattern = `gpt-*${'a*'.repeat(97)}b`;
    expect(pattern.length).toBeLessThanOrEqual(200);
    const allows = compileAllowList([pattern]);
    expect(allows(`gpt-${'a'.repeat(MAX_MATCHED_MODEL_CHARS - 4)}`)).toBe(false);
    expect(allows(`gpt-${'a'.repeat(50)}b`)).toBe(false);
    expect(allows(`gpt-${'a'.repeat(MAX_MATCHED_MODEL_CHARS - 5)}b`)).toBe(true);
    expect(compileAllowList([`*${'a*'.repeat(99)}`])('a'.repeat(98))).toBe(false);
  });

  it('allows no name longer than MAX_MATCHED_MODEL_CHARS, not even through a bare star', () => {
    const any = compileAllowList(['*']);
    expect(any('m'.repeat(MAX_MATCHED_MODEL_CHARS))).toBe(true);
    expect(any('m'.repeat(MAX_MATCHED_MODEL_CHARS + 1))).toBe(false);
  });

  it('collapses consecutive stars and never lets runs overlap', () => {
    expect(compileAllowList(['gpt-**mini'])('gpt-4o-mini')).toBe(true);
    expect(compileAllowList(['ab*ba'])('aba')).toBe(false);
    expect(compileAllowList(['*ab*ab*'])('xabx')).toBe(false);
    expect(compileAllowList(['*ab*ab*'])('abab')).toBe(true);
  });
});
