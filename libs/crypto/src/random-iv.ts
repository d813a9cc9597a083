import { randomFillSync } from 'node:crypto';

/**
 * Hands out fresh random IVs from a pool filled by the CSPRNG in one call, because one
 * `randomFillSync` of 4 KiB costs about as much as a single 16-byte call. Each IV is copied out
 * and the offset moves past it before anything else runs, so no pool byte is ever handed out twice.
 */
const IV_BYTES = 16;
const POOL_BYTES = IV_BYTES * 256;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let offset = POOL_BYTES;

/** Returns 16 new random bytes for use as an AES-CBC IV. */
export function nextIv(): Buffer {
  if (offset === POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const iv = Buffer.from(pool.subarray(offset, offset + IV_BYTES));
  offset += IV_BYTES;
  return iv;
}
