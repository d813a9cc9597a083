import { describe, expect, it } from 'vitest';
import { describeKeyCoverage } from './key-coverage.js';

describe('describeKeyCoverage', () => {
  it('puts rows under configured keys, unknown keys and unrecorded', () => {
    const coverage = describeKeyCoverage(
      [
        { fingerprint: 'aaaa0000', rows: 10, untagged: 1 },
        { fingerprint: 'bbbb1111', rows: 3, untagged: 0 },
        { fingerprint: 'dead0000', rows: 2, untagged: 2 },
        { fingerprint: null, rows: 5, untagged: 5 },
      ],
      ['aaaa0000', 'bbbb1111', 'cccc2222'],
    );
    expect(coverage).toEqual({
      keys: [
        { index: 0, fingerprint: 'aaaa0000', rows: 10, untagged: 1 },
        { index: 1, fingerprint: 'bbbb1111', rows: 3, untagged: 0 },
        { index: 2, fingerprint: 'cccc2222', rows: 0, untagged: 0 },
      ],
      unknownKeys: [{ fingerprint: 'dead0000', rows: 2 }],
      unrecordedRows: 5,
      untaggedRows: 8,
      totalRows: 20,
    });
  });

  it('counts a key listed twice at its first position', () => {
    const coverage = describeKeyCoverage([{ fingerprint: 'aaaa0000', rows: 4, untagged: 0 }], ['aaaa0000', 'aaaa0000']);
    expect(coverage.keys.map((k) => k.rows)).toEqual([4, 0]);
  });
});
