import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_SECRET_RUN, scrubSecret, tidyText } from './secret-scrubber.js';

const key = `sk-proj-${'Ab3_'.repeat(20)}MxYA`;

describe('scrubSecret', () => {
  it('removes the whole key', () => {
    expect(scrubSecret(`bad key ${key} given`, key)).toBe('bad key [redacted] given');
  });

  it('removes masked echoes that share 8 or more characters with the key', () => {
    const echoed = `Incorrect API key provided: ${key.slice(0, 8)}****${key.slice(-4)}.`;
    expect(scrubSecret(echoed, key)).toBe('Incorrect API key provided: [redacted]****MxYA.');
    expect(scrubSecret(`tail ${key.slice(20, 40)} end`, key)).toBe('tail [redacted] end');
  });

  it('keeps runs shorter than 8 characters', () => {
    expect(scrubSecret(`hint ${key.slice(-7)}`, key)).toBe(`hint ${key.slice(-7)}`);
  });

  it('leaves text alone when the key is empty', () => {
    expect(scrubSecret('anything', '')).toBe('anything');
  });

  it('never leaves an 8-character run of the key behind (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8, maxLength: 80 }), fc.string(), fc.string(), fc.nat(), fc.nat(), (secret, a, b, i, j) => {
        const start = i % secret.length;
        const end = Math.min(secret.length, start + MIN_SECRET_RUN + (j % secret.length));
        const out = scrubSecret(`${a}${secret.slice(start, end)}${b}${secret}`, secret);
        for (let k = 0; k + MIN_SECRET_RUN <= secret.length; k++) {
          expect(out.includes(secret.slice(k, k + MIN_SECRET_RUN))).toBe(false);
        }
      }),
    );
  });
});

describe('tidyText', () => {
  it('flattens whitespace and control characters and caps the length', () => {
    expect(tidyText(' a\n\tb\u0000c ', 100)).toBe('a b c');
    expect(tidyText('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
