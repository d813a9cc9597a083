import { describeKeyCoverage, InvalidTokenError, type KeyCoverage, type StoredKeyring } from '@byok/crypto';
import { countKeysByFingerprint, countUnrecordedKeys, sampleUnrecordedKeys, sampleWebhookSecrets, storedKeysSchema, type Orm } from '@byok/db';

/** What the boot check found. */
export interface StoredKeysCheck {
  /** Rows per configured key, and rows under keys that are not configured (from stored fingerprints). */
  coverage: KeyCoverage;
  /** Rows without a recorded fingerprint, decrypted to check them: how many were tried. */
  sampled: number;
  /** Of those, the ids no configured key opens (at most a few, for the message). */
  sampleUndecryptableIds: string[];
  sampleUndecryptable: number;
  /** Webhook signing secrets decrypted to check them, and how many of those no configured key opens. */
  webhookSecretsSampled: number;
  webhookSecretsUndecryptable: number;
  /** Why the key list would leave rows undecryptable; empty when it would not. */
  problems: string[];
}

/** Thrown at boot when the configured keys would leave stored keys undecryptable. No key material in it. */
export class StoredKeysUnreadableError extends Error {
  override readonly name = 'StoredKeysUnreadableError';

  constructor(readonly check: StoredKeysCheck) {
    super(
      [
        `Refusing to start: BYOK_ENCRYPTION_KEYS would leave stored provider keys or webhook secrets undecryptable (configured key fingerprints: ${check.coverage.keys.map((k) => k.fingerprint).join(', ')}).`,
        ...check.problems.map((p) => `- ${p}`),
        'Put the missing key back in BYOK_ENCRYPTION_KEYS (after the first key); `npm run keys:verify` lists what each key covers.',
      ].join('\n'),
    );
  }
}

/** Rows without a recorded fingerprint decrypted at boot: bounded, so boot time does not grow with the table. */
export const DEFAULT_BOOT_SAMPLE_SIZE = 1000;
const IDS_SHOWN = 3;

/**
 * Checks that the configured keys can read the stored keys, cheaply enough for every boot: one
 * GROUP BY over the recorded key fingerprints (rows under a key that is not configured), plus a
 * decrypt of up to `sampleSize` rows with no fingerprint yet (the earlier system's rows before
 * the binding backfill; ids are random UUIDs, so the first ones by id are a random sample), and of
 * up to as many webhook signing secrets (encrypted with the same keys, with no fingerprint). Works
 * before migrations: with no table it finds nothing, and without the fingerprint column every row
 * counts as unrecorded.
 */
export async function checkStoredKeys(deps: { orm: Orm; keyring: StoredKeyring; sampleSize?: number }): Promise<StoredKeysCheck> {
  const em = deps.orm.em.fork();
  const schema = await storedKeysSchema(em);
  const counts =
    schema === 'current' ? await countKeysByFingerprint(em) : [{ fingerprint: null, rows: await countUnrecordedKeys(em, schema), untagged: 0 }];
  const coverage = describeKeyCoverage(counts, deps.keyring.fingerprints);
  const sample = coverage.unrecordedRows > 0 ? await sampleUnrecordedKeys(em, deps.sampleSize ?? DEFAULT_BOOT_SAMPLE_SIZE, schema) : [];
  const undecryptableIds = sample.filter((row) => !opens(deps.keyring, row.token)).map((row) => row.id);
  const problems = coverage.unknownKeys.map((k) => `${k.rows} ${k.rows === 1 ? 'row is' : 'rows are'} encrypted with key fingerprint ${k.fingerprint}, which is not configured.`);
  if (undecryptableIds.length > 0) {
    const shown = undecryptableIds.slice(0, IDS_SHOWN).join(', ');
    problems.push(
      `${undecryptableIds.length} of ${sample.length} checked rows without a recorded fingerprint (of ${coverage.unrecordedRows}) open with no configured key (ids: ${shown}${undecryptableIds.length > IDS_SHOWN ? ', …' : ''}).`,
    );
  }
  const webhookSecrets = await sampleWebhookSecrets(em, deps.sampleSize ?? DEFAULT_BOOT_SAMPLE_SIZE);
  const unreadableSecretIds = webhookSecrets.filter((row) => !opens(deps.keyring, row.token)).map((row) => row.id);
  if (unreadableSecretIds.length > 0) {
    problems.push(
      `${unreadableSecretIds.length} of ${webhookSecrets.length} checked webhook signing secrets open with no configured key (webhook ids: ${unreadableSecretIds.slice(0, IDS_SHOWN).join(', ')}${unreadableSecretIds.length > IDS_SHOWN ? ', …' : ''}).`,
    );
  }
  return {
    coverage,
    sampled: sample.length,
    sampleUndecryptable: undecryptableIds.length,
    sampleUndecryptableIds: undecryptableIds.slice(0, IDS_SHOWN),
    webhookSecretsSampled: webhookSecrets.length,
    webhookSecretsUndecryptable: unreadableSecretIds.length,
    problems,
  };
}

function opens(keyring: StoredKeyring, token: string): boolean {
  try {
    keyring.decryptWithKeyIndex(token);
    return true;
  } catch (error) {
    if (error instanceof InvalidTokenError) return false;
    throw error;
  }
}
