import type { Orm } from '@byok/db';
import { executeRedacted } from '@byok/db';

/** The part of the keyring rotation needs (`@byok/crypto`'s `Keyring`). */
interface RotatingKeyring {
  decryptWithKeyIndex(token: string): { plaintext: string; keyIndex: number };
  rotate(token: string): string;
}

export interface WebhookSecretRotation {
  scanned: number;
  /** Re-encrypted under the first key. */
  rotated: number;
  /** No configured key opens them: their webhooks cannot sign until created again. */
  undecryptable: number;
}

/**
 * Re-encrypts every webhook signing secret stored under an older key of the ring with the first
 * key (keeping each token's timestamp), so the old key can be dropped after an encryption-key
 * rotation without leaving webhooks unable to sign. Walks the table by id in batches; each write is
 * a compare-and-set on the old token, so a webhook created or deleted meanwhile is left as it is.
 * Safe to run again: a secret already under the first key is not rewritten.
 */
export async function rotateWebhookSecrets(deps: { orm: Orm; keyring: RotatingKeyring; batchSize?: number }): Promise<WebhookSecretRotation> {
  const batchSize = deps.batchSize ?? 500;
  const counts: WebhookSecretRotation = { scanned: 0, rotated: 0, undecryptable: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const em = deps.orm.em.fork();
    const rows = await em.execute<Array<{ id: string; secret_encrypted: string }>>('SELECT id, secret_encrypted FROM webhooks WHERE id > ? ORDER BY id LIMIT ?', [after, batchSize]);
    for (const row of rows) {
      counts.scanned += 1;
      const keyIndex = keyIndexOf(deps.keyring, row.secret_encrypted);
      if (keyIndex === null) counts.undecryptable += 1;
      else if (keyIndex > 0) {
        const updated = await executeRedacted<Array<{ id: string }>>(em, 'UPDATE webhooks SET secret_encrypted = ? WHERE id = ? AND secret_encrypted = ? RETURNING id', [
          deps.keyring.rotate(row.secret_encrypted),
          row.id,
          row.secret_encrypted,
        ]);
        counts.rotated += updated.length;
      }
    }
    const last = rows.at(-1);
    if (!last || rows.length < batchSize) return counts;
    after = last.id;
  }
}

function keyIndexOf(keyring: RotatingKeyring, token: string): number | null {
  try {
    return keyring.decryptWithKeyIndex(token).keyIndex;
  } catch {
    return null;
  }
}
