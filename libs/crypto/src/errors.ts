/**
 * Thrown for every token that cannot be accepted: bad base64, wrong version, too short, bad MAC,
 * bad padding, expired, from the future, or not UTF-8. The class, message and throw site are the
 * same for all of them on purpose, so neither a caller nor an attacker can learn which check
 * failed (a padding-vs-MAC distinction is exactly what padding-oracle attacks feed on).
 */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';

  constructor() {
    super('invalid token');
  }
}

/**
 * Thrown while building a keyring when a configured key is unusable. It names the key's position
 * in the list and never the key itself, so it is safe to log and to show at boot.
 */
export class InvalidEncryptionKeyError extends Error {
  override readonly name = 'InvalidEncryptionKeyError';

  /**
   * @param index position of the bad key in the list given to `createKeyring`, or `null` when the
   *   list as a whole is unusable (for example empty).
   * @param reason what is wrong, phrased without any key material.
   */
  constructor(
    readonly index: number | null,
    readonly reason: string,
  ) {
    super(index === null ? `Invalid encryption keys: ${reason}` : `Invalid encryption key at index ${index}: ${reason}`);
  }
}
