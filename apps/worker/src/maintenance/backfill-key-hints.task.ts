import { InvalidTokenError, maskKey, type Keyring } from '@byok/crypto';
import { ProviderKeySchema, setKeyHint, type Orm } from '@byok/db';
import { isProviderId, PROVIDERS } from '@byok/providers';
import type { Logger } from '@byok/telemetry';

/** What the hint backfill needs from outside. */
export interface BackfillKeyHintsDependencies {
  orm: Orm;
  keyring: Keyring;
  logger: Logger;
  /** Rows read per page; default 500. */
  batchSize?: number;
}

/** Counts of one backfill run. */
export interface BackfillKeyHintsResult {
  scanned: number;
  hinted: number;
  /** Rows no configured encryption key opens; left without a hint. */
  undecryptable: number;
}

const DEFAULT_BATCH_SIZE = 500;

/**
 * Fills `key_hint` (the masked key shown in lists) on rows the earlier Python system wrote without
 * one: decrypt, mask with the provider's public prefix, store with a compare-and-set on the token
 * so a key replaced meanwhile keeps the hint of its new value. Safe to run on every boot and from
 * several processes at once. A row that fails to decrypt is counted and logged by id, and the run
 * goes on; it pages by id so such rows are not read again and again.
 */
export async function backfillKeyHints(deps: BackfillKeyHintsDependencies): Promise<BackfillKeyHintsResult> {
  const batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  const result: BackfillKeyHintsResult = { scanned: 0, hinted: 0, undecryptable: 0 };
  for (let after = ''; ; ) {
    // A fresh entity manager per page keeps the identity map from growing over a large table.
    const em = deps.orm.em.fork();
    const page = await em.find(ProviderKeySchema, { keyHint: null, ...(after ? { id: { $gt: after } } : {}) }, { orderBy: { id: 'asc' }, limit: batchSize });
    if (page.length === 0) break;
    for (const row of page) {
      result.scanned += 1;
      const hint = hintFor(deps.keyring, row.provider, row.apiKeyEncrypted);
      if (hint === null) {
        result.undecryptable += 1;
        deps.logger.warn({ keyId: row.id, provider: row.provider }, 'stored key cannot be decrypted with the configured encryption keys; hint left empty');
        continue;
      }
      await setKeyHint(em, row.id, row.apiKeyEncrypted, hint);
      result.hinted += 1;
    }
    after = page[page.length - 1]?.id ?? after;
  }
  deps.logger.info(result, 'key hint backfill finished');
  return result;
}

/** The masked hint of a token's key, or null when no configured key opens the token. */
function hintFor(keyring: Keyring, provider: string, token: string): string | null {
  try {
    const knownPrefix = isProviderId(provider) ? PROVIDERS[provider].keyFormat.knownPrefix : '';
    return maskKey(keyring.decrypt(token), knownPrefix);
  } catch (error) {
    if (error instanceof InvalidTokenError) return null;
    throw error;
  }
}
