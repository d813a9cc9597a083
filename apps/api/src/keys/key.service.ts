import { randomUUID } from 'node:crypto';
import type { Keyring } from '@byok/crypto';
import { isStoredKeyring, maskKey } from '@byok/crypto';
import {
  appendAudit,
  deleteUserKey,
  findUserKey,
  findKeyRowId,
  findUserKeys,
  recordKeyBinding,
  setUserKeyEnabled,
  upsertProviderKey,
  type AuditEntry,
  type EntityManager,
  type ProviderKey,
} from '@byok/db';
import { AppError, notFound } from '@byok/http';
import { checkKeyFormat, isProviderId, PROVIDER_IDS, PROVIDERS, type ProviderId } from '@byok/providers';
import type { Producers } from '@byok/queues';
import { interactiveTestDedupId } from './key-test-dedup.js';
import { requireWellFormed } from './well-formed-input.js';

/** Who is acting, as recorded in audit rows. `subjectUserId` is whose key is touched. */
export type Actor = Pick<AuditEntry, 'actorId' | 'actorType' | 'requestId' | 'ip' | 'userAgent'>;

export interface KeyServiceDependencies {
  keyring: Keyring;
  producers: Producers;
  /** Announces a changed key set to every proxy instance; failures are logged, not fatal (see saveKey). */
  announceKeyChange: (userId: string) => Promise<void>;
}

export interface SaveKeyInput {
  userId: string;
  provider: string;
  apiKey: string;
  label?: string;
  metadata?: Record<string, unknown>;
  allowUnrecognizedFormat?: boolean;
}

export type KeyService = ReturnType<typeof createKeyService>;

/**
 * Key management. Every mutation writes its audit record in the same transaction as the change,
 * and a new key's test job is enqueued inside that transaction too: if Redis refuses the job the
 * whole save rolls back (the caller gets 503 and nothing is half-written). The worker tolerates
 * seeing the job before the commit (it retries until the row's version is visible).
 */
export function createKeyService(deps: KeyServiceDependencies) {
  return {
    async saveKey(em: EntityManager, actor: Actor, input: SaveKeyInput): Promise<{ key: ProviderKey; created: boolean }> {
      const provider = parseProvider(input.provider);
      requireWellFormed({ 'body/api_key': input.apiKey, 'body/label': input.label, 'body/metadata': input.metadata });
      refuseWorkerMetadata(input.metadata);
      const format = checkKeyFormat(provider, input.apiKey);
      if (!format.ok && (input.allowUnrecognizedFormat !== true || !/looks like/.test(format.message))) {
        const hint = /looks like/.test(format.message) ? ' Set allow_unrecognized_format to save it anyway.' : '';
        throw new AppError('invalid_key_format', `${format.message}${hint}`, { details: [{ path: 'body/api_key', message: format.message }] });
      }
      const token = deps.keyring.encrypt(input.apiKey);
      const keyHint = maskKey(input.apiKey, PROVIDERS[provider].keyFormat.knownPrefix);
      const keyring = isStoredKeyring(deps.keyring) ? deps.keyring : null;
      return em.transactional(async (tx) => {
        // Binding ties the token to its row and owner (libs/crypto/ROTATION.md). It needs the row id,
        // so it is computed for the current row's id (or a new one) before the upsert locks the row.
        // Read in the transaction: a second pool checkout would queue again behind busy saves.
        const id = (await findKeyRowId(tx, input.userId, provider)) ?? randomUUID();
        const binding = keyring?.bind({ id, userId: input.userId, provider }, token) ?? null;
        const upserted = await upsertProviderKey(tx, {
          id,
          userId: input.userId,
          provider,
          apiKeyEncrypted: token,
          keyHint,
          label: input.label ?? null,
          metadata: input.metadata ?? null,
          binding,
        });
        const { inserted } = upserted;
        // The row was deleted and re-created meanwhile, under another id: bind to that one.
        const key = keyring !== null && upserted.key.bindingTag === null ? await recordKeyBinding(tx, upserted.key, keyring.bind(upserted.key, token)) : upserted.key;
        await appendAudit(tx, {
          ...actor,
          action: inserted ? 'key.created' : 'key.replaced',
          subjectUserId: input.userId,
          provider,
          keyId: key.id,
          details: { key_version: key.keyVersion, masked_key: keyHint, format_recognized: format.ok },
        });
        await deps.producers.keyTests.enqueue(
          { keyId: key.id, keyVersion: key.keyVersion, userId: input.userId, provider, reason: 'added', actorId: actor.actorId, ...(actor.requestId ? { requestId: actor.requestId } : {}) },
          { deduplication: { id: interactiveTestDedupId(key.id, key.keyVersion) } },
        );
        return { key, created: inserted };
      }).then(async (saved) => {
        await deps.announceKeyChange(input.userId);
        return saved;
      });
    },

    listKeys(em: EntityManager, userId: string): Promise<ProviderKey[]> {
      return findUserKeys(em, userId);
    },

    async getKey(em: EntityManager, userId: string, providerParam: string): Promise<ProviderKey> {
      const provider = parseProvider(providerParam);
      const key = await findUserKey(em, userId, provider);
      if (!key) throw notFound(`${PROVIDERS[provider].displayName} key`);
      return key;
    },

    async deleteKey(em: EntityManager, actor: Actor, userId: string, providerParam: string): Promise<void> {
      const provider = parseProvider(providerParam);
      const deleted = await em.transactional(async (tx) => {
        const row = await deleteUserKey(tx, userId, provider);
        if (row) {
          await appendAudit(tx, { ...actor, action: 'key.deleted', subjectUserId: userId, provider, keyId: row.id, details: { key_version: row.keyVersion } });
        }
        return row;
      });
      if (!deleted) throw notFound(`${PROVIDERS[provider].displayName} key`);
      await deps.announceKeyChange(userId);
    },

    async setEnabled(
      em: EntityManager,
      actor: Actor,
      where: { userId: string; provider: string } | { id: string },
      enabled: boolean | null,
    ): Promise<{ id: string; provider: string; enabled: boolean }> {
      const target = 'id' in where ? where : { userId: where.userId, provider: parseProvider(where.provider) };
      const state = await em.transactional(async (tx) => {
        const row = await setUserKeyEnabled(tx, target, enabled);
        if (row?.changed) {
          await appendAudit(tx, {
            ...actor,
            action: row.enabled ? 'key.enabled' : 'key.disabled',
            subjectUserId: row.userId,
            provider: row.provider,
            keyId: row.id,
            details: {},
          });
        }
        return row;
      });
      if (!state) throw notFound('Key');
      if (state.changed) await deps.announceKeyChange(state.userId);
      return { id: state.id, provider: state.provider, enabled: state.enabled };
    },
  };
}

/**
 * `metadata.validation` holds the worker's verdict on the key (model list, provider limits), which
 * the key view shows as the validation result: a user who could write it could forge one.
 */
function refuseWorkerMetadata(metadata: Record<string, unknown> | undefined): void {
  if (metadata === undefined || !Object.hasOwn(metadata, 'validation')) return;
  const message = 'is written by the key test; leave it out';
  throw new AppError('validation_failed', `body/metadata/validation: ${message}`, { details: [{ path: 'body/metadata/validation', message }] });
}

/** Unknown providers are a 400 naming the accepted ones, not a 404: the caller made a typo. */
export function parseProvider(value: string): ProviderId {
  const normalized = value.trim().toLowerCase();
  if (isProviderId(normalized)) return normalized;
  throw new AppError('unknown_provider', `Unknown provider "${value.slice(0, 50)}". Use one of: ${PROVIDER_IDS.join(', ')}.`, {
    details: [{ path: 'provider', message: 'unknown provider' }],
  });
}
