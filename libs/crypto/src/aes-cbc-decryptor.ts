/**
 * AES-128-CBC decryption with PKCS7 unpadding through one long-lived AES-ECB context per key.
 * Creating a fresh `createDecipheriv('aes-128-cbc', …)` per token costs several microseconds of
 * native setup, more than the decryption itself. CBC decryption is ECB decryption of all blocks at
 * once followed by XOR with the previous ciphertext block (the IV for the first), so a reused ECB
 * context does the AES work and JavaScript does the XOR.
 *
 * Safety: Fernet verifies the MAC before decrypting, so this only ever sees authenticated
 * ciphertext and its padding check cannot act as a padding oracle. Tests compare it with
 * OpenSSL's own CBC for random keys, IVs and plaintexts.
 */
import { type Decipheriv, type KeyObject, createDecipheriv } from 'node:crypto';

const BLOCK_BYTES = 16;

/** Decrypts AES-128-CBC ciphertexts under one key. */
export class AesCbcDecryptor {
  readonly #ecb: Decipheriv;

  /** @param key a 16-byte AES key. */
  constructor(key: KeyObject) {
    this.#ecb = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  }

  /**
   * Returns the unpadded plaintext, or `null` when the PKCS7 padding is invalid.
   * @param ciphertext a non-empty whole number of 16-byte blocks.
   */
  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Buffer | null {
    if (iv.length !== BLOCK_BYTES || ciphertext.length === 0 || ciphertext.length % BLOCK_BYTES !== 0) {
      throw new RangeError('AES-CBC needs a 16-byte IV and whole, non-empty blocks');
    }
    // With padding off and whole blocks, ECB keeps no state between calls: every block comes back
    // at once. Anything else would corrupt later tokens, so it is checked, not assumed.
    const plain = this.#ecb.update(ciphertext);
    if (plain.length !== ciphertext.length) throw new Error('AES-ECB context held back data');

    // The `?? 0` never applies (all indexes are in range); it only satisfies the index checks.
    for (let i = 0; i < BLOCK_BYTES; i++) plain[i] = (plain[i] ?? 0) ^ (iv[i] ?? 0);
    for (let i = BLOCK_BYTES; i < plain.length; i++) plain[i] = (plain[i] ?? 0) ^ (ciphertext[i - BLOCK_BYTES] ?? 0);
    return stripPkcs7(plain);
  }
}

/** PKCS7: the last byte n (1..16) says how many trailing bytes are padding, all equal to n. */
function stripPkcs7(padded: Buffer): Buffer | null {
  const n = padded[padded.length - 1] ?? 0;
  if (n < 1 || n > BLOCK_BYTES) return null;
  for (let i = padded.length - n; i < padded.length; i++) {
    if (padded[i] !== n) return null;
  }
  return padded.subarray(0, padded.length - n);
}
