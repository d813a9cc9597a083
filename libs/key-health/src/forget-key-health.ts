import { runScript } from '@byok/reservations';
import type { Redis } from 'ioredis';
import { blockedSetKey, changesChannel, stateKey, trialKey } from './health-keys.js';
import { FORGET_STATE } from './health-scripts.js';

/**
 * Clears a key's cool-down, circuit and failure streak on every proxy instance: for a key whose
 * text was replaced, which starts afresh (a cool-down earned by the old text would otherwise keep
 * the new one out, for up to 10 minutes). A failure of a request still in flight with the old text
 * may land after it and count against the new one; that is one failure, not a carried-over block.
 */
export async function forgetKeyHealth(redis: Redis, keyPrefix: string, keyId: string): Promise<void> {
  await runScript(redis, FORGET_STATE, [stateKey(keyPrefix, keyId), blockedSetKey(keyPrefix), trialKey(keyPrefix, keyId)], [keyId, changesChannel(keyPrefix)]);
}
