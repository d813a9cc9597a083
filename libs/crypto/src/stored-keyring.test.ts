import { describe, expect, it } from 'vitest';
import { InvalidEncryptionKeyError, InvalidTokenError } from './errors.js';
import { generateKey } from './fernet-key.js';
import { keyFingerprint } from './key-fingerprint.js';
import { createKeyring } from './keyring.js';
import { createStoredKeyring, isStoredKeyring, openStoredToken } from './stored-keyring.js';

const OLD = generateKey();
const NEW = generateKey();
const ROW_A = { id: '00000000-0000-4000-8000-00000000000a', userId: 'alice', provider: 'openai' };
const ROW_B = { id: '00000000-0000-4000-8000-00000000000b', userId: 'bob', provider: 'openai' };

describe('keyFingerprint', () => {
  it('is the first 8 hex of SHA-256 over the signing half, as Python computes it', () => {
    // hashlib.sha256(base64.urlsafe_b64decode(k)[:16]).hexdigest()[:8] for the spec's test key.
    expect(keyFingerprint('cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=')).toBe('3c7404f5');
  });

  it('refuses a bad key by position, like the keyring', () => {
    expect(() => keyFingerprint('not-a-key', 3)).toThrow(InvalidEncryptionKeyError);
    expect(() => keyFingerprint('not-a-key', 3)).toThrow(/index 3/);
  });
});

describe('createStoredKeyring', () => {
  it('lists fingerprints in key order and still works as a plain keyring', () => {
    const ring = createStoredKeyring([NEW, OLD]);
    expect(ring.fingerprints).toEqual([keyFingerprint(NEW), keyFingerprint(OLD)]);
    expect(ring.decrypt(ring.encrypt('sk-test'))).toBe('sk-test');
    expect(isStoredKeyring(ring)).toBe(true);
    expect(isStoredKeyring(createKeyring([NEW]))).toBe(false);
  });

  it('binds a token to its row: the same token and tag in another row are refused', () => {
    const ring = createStoredKeyring([NEW]);
    const token = ring.encrypt('sk-alice');
    const { bindingTag, keyFingerprint: fingerprint } = ring.bind(ROW_A, token);
    expect(fingerprint).toBe(keyFingerprint(NEW));
    expect(ring.openBound({ ...ROW_A, token, bindingTag })).toBe('sk-alice');
    expect(ring.inspect({ ...ROW_A, token, bindingTag })).toEqual({ status: 'ok', keyIndex: 0, tagged: true });
    expect(() => ring.openBound({ ...ROW_B, token, bindingTag })).toThrow(InvalidTokenError);
    expect(ring.inspect({ ...ROW_B, token, bindingTag })).toEqual({ status: 'binding_mismatch', keyIndex: 0 });
    // Another token under the row's tag (a swapped token) is refused too.
    expect(() => ring.openBound({ ...ROW_A, token: ring.encrypt('sk-other'), bindingTag })).toThrow(InvalidTokenError);
    // Another provider of the same user, too.
    expect(() => ring.openBound({ ...ROW_A, provider: 'groq', token, bindingTag })).toThrow(InvalidTokenError);
  });

  it('accepts an untagged (legacy) token and says it is untagged', () => {
    const ring = createStoredKeyring([NEW]);
    const token = ring.encrypt('sk-legacy');
    expect(ring.openBound({ ...ROW_A, token, bindingTag: null })).toBe('sk-legacy');
    expect(ring.inspect({ ...ROW_A, token, bindingTag: null })).toEqual({ status: 'ok', keyIndex: 0, tagged: false });
  });

  it('tags with the key that encrypted the token, so a tag survives adding a key and rotation rewrites both', () => {
    const before = createStoredKeyring([OLD]);
    const token = before.encrypt('sk-rotate');
    const tag = before.bind(ROW_A, token).bindingTag;
    const after = createStoredKeyring([NEW, OLD]);
    expect(after.inspect({ ...ROW_A, token, bindingTag: tag })).toEqual({ status: 'ok', keyIndex: 1, tagged: true });
    const rotated = after.rotateBound(ROW_A, token);
    expect(rotated.keyFingerprint).toBe(keyFingerprint(NEW));
    const onlyNew = createStoredKeyring([NEW]);
    expect(onlyNew.openBound({ ...ROW_A, token: rotated.token, bindingTag: rotated.bindingTag })).toBe('sk-rotate');
    expect(onlyNew.inspect({ ...ROW_A, token, bindingTag: tag })).toEqual({ status: 'undecryptable' });
  });

  it('keeps the token timestamp on rotation', () => {
    const ring = createStoredKeyring([NEW, OLD]);
    const token = createKeyring([OLD]).encrypt('sk-time');
    const stamp = (t: string) => Buffer.from(t, 'base64url').readBigUInt64BE(1);
    expect(stamp(ring.rotateBound(ROW_A, token).token)).toBe(stamp(token));
  });

  it('refuses untagged tokens when tags are required', () => {
    const ring = createStoredKeyring([NEW], { requireBindingTag: true });
    const token = ring.encrypt('sk-legacy');
    expect(() => ring.openBound({ ...ROW_A, token, bindingTag: null })).toThrow(InvalidTokenError);
    expect(ring.inspect({ ...ROW_A, token, bindingTag: null })).toEqual({ status: 'binding_mismatch', keyIndex: 0 });
    expect(ring.openBound({ ...ROW_A, token, bindingTag: ring.bind(ROW_A, token).bindingTag })).toBe('sk-legacy');
  });

  it('tags by the key, not by its position in the list', () => {
    const token = createKeyring([OLD]).encrypt('sk-x');
    expect(createStoredKeyring([NEW, OLD]).bind(ROW_A, token)).toEqual(createStoredKeyring([OLD]).bind(ROW_A, token));
  });

  it('refuses to bind or open what no key opens', () => {
    const ring = createStoredKeyring([NEW]);
    const foreign = createKeyring([OLD]).encrypt('sk-foreign');
    expect(() => ring.bind(ROW_A, foreign)).toThrow(InvalidTokenError);
    expect(() => ring.openBound({ ...ROW_A, token: foreign, bindingTag: null })).toThrow(InvalidTokenError);
    expect(ring.inspect({ ...ROW_A, token: 'garbage', bindingTag: null })).toEqual({ status: 'undecryptable' });
  });

  it('allows the same key twice but shows no key material when logged', () => {
    const ring = createStoredKeyring([NEW, NEW]);
    expect(ring.fingerprints[0]).toBe(ring.fingerprints[1]);
    const shown = JSON.stringify(ring) + String(Object.values(ring));
    expect(shown).not.toContain(NEW.slice(0, 20));
  });
});

describe('openStoredToken', () => {
  it('checks the binding with a stored keyring and only decrypts with a plain one', () => {
    const stored = createStoredKeyring([NEW]);
    const token = stored.encrypt('sk-1');
    const moved = { ...ROW_B, token, bindingTag: stored.bind(ROW_A, token).bindingTag };
    expect(() => openStoredToken(stored, moved)).toThrow(InvalidTokenError);
    expect(openStoredToken(createKeyring([NEW]), moved)).toBe('sk-1');
  });
});
