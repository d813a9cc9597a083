import { describe, expect, it } from 'vitest';
import { maskKey } from './mask-key.js';

describe('maskKey', () => {
  it.each([
    // [key, known prefix, masked]
    [`sk-or-v1-${'fake'.repeat(14)}1234`, 'sk-or-v1-', 'sk-or-v1-****…****1234'],
    [`sk-test-fake-${'x'.repeat(40)}abcd`, 'sk-', 'sk-****…****abcd'],
    ['AIzaFakeTestKey000000000009876', '', '****…****9876'],
    // Wrong prefix: the prefix is not shown, since the key does not start with it.
    [`sk-ant-fake-${'x'.repeat(20)}wxyz`, 'sk-or-v1-', '****…****wxyz'],
    // Short secrets: never more than a third of what follows the prefix.
    ['fake-test-12', '', '****…****t-12'],
    ['faketest123', '', '****…****123'],
    ['fake-te', '', '****…****te'],
    ['fake', '', '****…****e'],
    ['ab', '', '****…****'],
    ['', '', '****…****'],
    ['sk-or-v1-abc', 'sk-or-v1-', 'sk-or-v1-****…****c'],
    // A key that is only its prefix (or shorter) is masked as if it had no prefix.
    ['sk-or-v1-', 'sk-or-v1-', '****…****v1-'],
    ['sk-', 'sk-or-v1-', '****…****-'],
    // Code points are counted, so no surrogate pair is cut.
    ['fake-🔑🔑🔑🔑🔑🔑🔑🔑', '', '****…****🔑🔑🔑🔑'],
  ])('masks %j with prefix %j as %j', (key, prefix, masked) => {
    expect(maskKey(key, prefix)).toBe(masked);
  });

  it('never shows more than 4 characters or a third of the secret part', () => {
    for (let length = 0; length <= 64; length++) {
      const key = 'k'.repeat(length);
      const shown = Array.from(maskKey(key, '').replace('****…****', '')).length;
      expect(shown).toBeLessThanOrEqual(Math.min(4, length / 3));
    }
  });
});
