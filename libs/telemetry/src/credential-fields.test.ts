import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_FIELDS, redactCredentialFields } from './credential-fields.js';

const line = (value: unknown) => JSON.stringify(value);

describe('redactCredentialFields', () => {
  it('masks scalar values of credential fields at any depth, and nothing else', () => {
    const out = JSON.parse(
      redactCredentialFields(line({ token: 'abc', n: { password: 12345, ok: true, deeper: { keys: [{ api_key: 'plain', provider: 'cohere' }] } }, monkey: 'banana', keyId: 'k1', secret: false, key: null })),
    );
    expect(out).toEqual({
      token: '[redacted]',
      n: { password: '[redacted]', ok: true, deeper: { keys: [{ api_key: '[redacted]', provider: 'cohere' }] } },
      monkey: 'banana',
      keyId: 'k1',
      secret: '[redacted]',
      key: null,
    });
  });

  it('is not fooled by field-like text inside a string value', () => {
    const message = 'the body was {"token":"inside"} and "key":"x"';
    expect(JSON.parse(redactCredentialFields(line({ msg: message })))).toEqual({ msg: message });
  });

  it('handles escapes inside a masked value and always leaves valid JSON', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CREDENTIAL_FIELDS), fc.string(), fc.string(), (field, secret, other) => {
        const out = redactCredentialFields(line({ a: other, [field]: secret, z: { [field]: `${secret}\n"\\` } }));
        const parsed = JSON.parse(out) as Record<string, unknown>;
        expect(parsed).toEqual({ a: other, [field]: '[redacted]', z: { [field]: '[redacted]' } });
      }),
    );
  });

  it('masks a flat array or object under a credential name whole, brackets inside its strings included', () => {
    const out = JSON.parse(redactCredentialFields(line({ token: { value: 'v}]', n: 1 }, secret: ['a', 'b]'], after: 'kept' })));
    expect(out).toEqual({ token: '[redacted]', secret: '[redacted]', after: 'kept' });
  });

  it('leaves a nested value under a credential name to the credential fields inside it', () => {
    const out = JSON.parse(redactCredentialFields(line({ token: { inner: { value: 'v' }, apiKey: 'k' } })));
    expect(out).toEqual({ token: { inner: { value: 'v' }, apiKey: '[redacted]' } });
  });
});
