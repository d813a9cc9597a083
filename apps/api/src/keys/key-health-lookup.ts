import { withTimeout } from '@byok/batch';
import type { KeyHealth, KeyHealthReader } from '@byok/key-health';
import type { Logger } from 'pino';

/** Keys' health for listings; an empty map when it cannot be read (see createKeyHealthLookup). */
export type KeyHealthLookup = (keyIds: readonly string[]) => Promise<Map<string, KeyHealth>>;

/**
 * Health is an extra on a key listing, not its substance: when Redis fails or is slower than
 * `timeoutMs`, the listing answers without it (each key's `health` null) instead of a 5xx or a
 * stall, and the failure is logged once per listing.
 */
export function createKeyHealthLookup(options: { reader: KeyHealthReader; logger: Logger; timeoutMs: number }): KeyHealthLookup {
  return async (keyIds) => {
    if (keyIds.length === 0) return new Map();
    try {
      return await withTimeout(options.reader.read(keyIds), options.timeoutMs);
    } catch (err) {
      options.logger.warn({ err }, 'key health unavailable; listing keys without it');
      return new Map();
    }
  };
}
