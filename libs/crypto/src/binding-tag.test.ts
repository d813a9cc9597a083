import { createSecretKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bindingTag, verifyBindingTag } from './binding-tag.js';

const SECRET = 'test-binding-secret';
const PARTS = ['row-1', 'user@example.com', 'openai'];

describe('bindingTag', () => {
  it('matches an independently computed known answer', () => {
    // Computed with Python's hmac over the same length-prefixed encoding (see binding-tag.ts).
    expect(bindingTag(SECRET, PARTS)).toBe('tQ21yAVD_2P3O_OStXWcrd7gLIqZuKN7JecS_PSoLfI');
    expect(bindingTag(Buffer.from(SECRET), [])).toBe('_gcfsbXbnKMEBw1O5qxJUKlSCw_k9LL72_Av8tHmJ94');
    // A secret imported once as a key object gives the same tags.
    expect(bindingTag(createSecretKey(Buffer.from(SECRET)), PARTS)).toBe('tQ21yAVD_2P3O_OStXWcrd7gLIqZuKN7JecS_PSoLfI');
    expect(verifyBindingTag(createSecretKey(Buffer.from(SECRET)), PARTS, 'tQ21yAVD_2P3O_OStXWcrd7gLIqZuKN7JecS_PSoLfI')).toBe(true);
  });

  it('changes with any part, the order, the split between parts, or the secret', () => {
    const tags = [
      bindingTag(SECRET, PARTS),
      bindingTag(SECRET, ['row-2', 'user@example.com', 'openai']),
      bindingTag(SECRET, ['user@example.com', 'row-1', 'openai']),
      bindingTag(SECRET, ['row-1user@example.com', 'openai']),
      bindingTag(SECRET, ['row-1', 'user@example.comopenai']),
      bindingTag(SECRET, [...PARTS, '']),
      bindingTag('another-test-secret', PARTS),
    ];
    expect(new Set(tags).size).toBe(tags.length);
  });

  it('refuses an empty secret and parts that are not well-formed Unicode', () => {
    expect(() => bindingTag('', PARTS)).toThrow(RangeError);
    expect(() => bindingTag(Buffer.alloc(0), PARTS)).toThrow(RangeError);
    expect(() => bindingTag(createSecretKey(Buffer.alloc(0)), PARTS)).toThrow(RangeError);
    expect(() => bindingTag(SECRET, ['row-\uDC00'])).toThrow(TypeError);
  });
});

describe('verifyBindingTag', () => {
  const tag = bindingTag(SECRET, PARTS);

  it('accepts the tag for the same parts and secret', () => {
    expect(verifyBindingTag(SECRET, PARTS, tag)).toBe(true);
    expect(verifyBindingTag(Buffer.from(SECRET), PARTS, tag)).toBe(true);
  });

  it('refuses other parts, other secrets and malformed tags without throwing', () => {
    expect(verifyBindingTag(SECRET, ['row-2', 'user@example.com', 'openai'], tag)).toBe(false);
    expect(verifyBindingTag('another-test-secret', PARTS, tag)).toBe(false);
    expect(verifyBindingTag(SECRET, PARTS, '')).toBe(false);
    expect(verifyBindingTag(SECRET, PARTS, `${tag}=`)).toBe(false);
    expect(verifyBindingTag(SECRET, PARTS, tag.slice(0, -1))).toBe(false);
    expect(verifyBindingTag(SECRET, PARTS, undefined as unknown as string)).toBe(false);
  });
});
