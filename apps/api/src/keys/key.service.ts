import { randomUUID } from 'node:crypto';
import type { Keyring } from '@byok/crypto';
import { isStoredKeyring } from '@byok/crypto';
import {
  appendAudit,
  deleteUserKey,
  findUserKey,
  findKeyRowId,
  findUserKeys,
  listKeys,
  recordKeyBinding,
  setUserKeyEnabled,
  upsertProviderKey,
  type EntityManager,
  type ProviderKey,
} from '@byok/db';
import { AppError, notFound } from '@byok/http';
import { PROVIDERS } from '@byok/providers';
import type { Producers } from '@byok/queues';
import type { Actor } from '../http/actor.js';
import { parseProvider } from '../http/provider-param.js';
import { requireWellFormed } from '../http/well-formed-input.js';
import type { KeyTestJobWaiter } from './job-wait.js';
import { prepareKey, type PreparedKey, type SaveKeyInput } from './key-input.js';
import { interactiveTestDedupId } from './key-test-dedup.js';
import type { KeyTestLimiter } from './key-test-limiter.js';
import { createTestFirstSave } from './test-first.service.js';

export interface KeyServiceDependencies {
  keyring: Keyring;
  producers: Producers;
  /** Waits for a `test_first` replacement's test (see test-first.service.ts). */
  keyTestJobs: KeyTestJobWaiter;
  /** The per-user budget of provider calls; every save queues a test, so every save takes one. */
  limiter: KeyTestLimiter;
  /** Announces a changed key set to every proxy instance; failures are logged, not fatal (see saveKey). */
  announceKeyChange: (userId: string) => Promise<void>;
}

/**
 * - `created` / `replaced`: stored (and queued for its test);
 * - `testing`: a `test_first` replacement whose test outlasted the wait; the current key stays until it settles.
 */
export interface SaveKeyResult {
  key: ProviderKey;
  outcome: 'created' | 'replaced' | 'testing';
}

/** An admin's disable or enable: why, for the key row and the audit record. */
export interface AdminChange {
  reason: string | null;
}

/** The answer of a toggle: the key's state after it. */
export interface ToggleState {
  id: string;
  provider: string;
  enabled: boolean;
  admin_disabled: { at: string; reason: string | null } | null;
}

/** What the owner is told when enabling a key an admin disabled. */
export function adminDisabledMessage(disabled: { at: Date; reason: string | null }): string {
  const why = disabled.reason === null ? '' : ` (reason: ${disabled.reason})`;
  return `An administrator disabled this key on ${disabled.at.toISOString()}${why}. Only an administrator can enable it again.`;
}

export type KeyService = ReturnType<typeof createKeyService>;

/**
 * Key management. Every mutation writes its audit record in the same transaction as the change,
 * and a new key's test job is enqueued inside that transaction too: if Redis refuses the job the
 * whole save rolls back (the caller gets 503 and nothing is half-written). The worker tolerates
 * seeing the job before the commit (it retries until the row's version is visible).
 */
export function createKeyService(deps: KeyServiceDependencies) {
  const keyring = isStoredKeyring(deps.keyring) ? deps.keyring : null;
  const testFirst = createTestFirstSave(deps);

  async function store(em: EntityManager, actor: Actor, key: PreparedKey): Promise<SaveKeyResult> {
    const { provider, token, keyHint } = key;
    return em.transactional(async (tx) => {
      // Binding ties the token to its row and owner (libs/crypto/ROTATION.md). It needs the row id,
      // so it is computed for the current row's id (or a new one) before the upsert locks the row.
      // Read in the transaction: a second pool checkout would queue again behind busy saves.
      const id = (await findKeyRowId(tx, key.userId, provider)) ?? randomUUID();
      const binding = keyring?.bind({ id, userId: key.userId, provider }, token) ?? null;
      const upserted = await upsertProviderKey(tx, { id, userId: key.userId, provider, apiKeyEncrypted: token, keyHint, label: key.label, metadata: key.metadata, binding });
      const { inserted } = upserted;
      // The row was deleted and re-created meanwhile, under another id: bind to that one.
      const saved = keyring !== null && upserted.key.bindingTag === null ? await recordKeyBinding(tx, upserted.key, keyring.bind(upserted.key, token)) : upserted.key;
      await appendAudit(tx, {
        ...actor,
        action: inserted ? 'key.created' : 'key.replaced',
        subjectUserId: key.userId,
        provider,
        keyId: saved.id,
        details: { key_version: saved.keyVersion, masked_key: keyHint, format_recognized: key.formatRecognized },
      });
      await deps.producers.keyTests.enqueue(
        { keyId: saved.id, keyVersion: saved.keyVersion, userId: key.userId, provider, reason: 'added', actorId: actor.actorId, ...(actor.requestId ? { requestId: actor.requestId } : {}) },
        { deduplication: { id: interactiveTestDedupId(saved.id, saved.keyVersion) } },
      );
      return { key: saved, outcome: inserted ? ('created' as const) : ('replaced' as const) };
    });
  }

  return {
    /**
     * Saves a key. With `testFirst` and a current key, the new key replaces it only after it passed
     * its test (see test-first.service.ts). Every save takes one provider call from the user's
     * budget, after its input was found good.
     */
    async saveKey(em: EntityManager, actor: Actor, input: SaveKeyInput, options: { testFirst?: boolean } = {}): Promise<SaveKeyResult> {
      const prepared = prepareKey(deps.keyring, input);
      await deps.limiter.take(input.userId);
      if (options.testFirst === true) {
        const tested = await testFirst(em, actor, prepared);
        if (tested !== null) {
          if (tested.state === 'replaced') await deps.announceKeyChange(input.userId);
          return { key: tested.key, outcome: tested.state };
        }
      }
      const saved = await store(em, actor, prepared);
      await deps.announceKeyChange(input.userId);
      return saved;
    },

    listKeys(em: EntityManager, userId: string): Promise<ProviderKey[]> {
      return findUserKeys(em, userId);
    },

    /** Every user's keys (admins), newest first; an unknown `provider` is a 400 like everywhere else. */
    listAllKeys(
      em: EntityManager,
      filter: { userId?: string | undefined; provider?: string | undefined; enabled?: boolean | undefined },
      page: { limit: number; offset: number },
    ): Promise<{ items: ProviderKey[]; total: number }> {
      return listKeys(
        em,
        {
          ...(filter.userId !== undefined ? { userId: filter.userId } : {}),
          ...(filter.provider !== undefined ? { provider: parseProvider(filter.provider) } : {}),
          ...(filter.enabled !== undefined ? { enabled: filter.enabled } : {}),
        },
        page,
      );
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

    /**
     * Enables, disables or (with `enabled` null) flips a key. An admin's change (`admin` set) is
     * sticky: an admin's disable holds until an admin enables the key, and the owner's attempt to
     * enable it meanwhile is refused with 403 saying so.
     */
    async setEnabled(
      em: EntityManager,
      actor: Actor,
      where: { userId: string; provider: string } | { id: string },
      enabled: boolean | null,
      admin?: AdminChange,
    ): Promise<ToggleState> {
      const target = 'id' in where ? where : { userId: where.userId, provider: parseProvider(where.provider) };
      if (admin !== undefined) requireWellFormed({ 'body/reason': admin.reason });
      const by = admin === undefined ? ({ kind: 'owner' } as const) : ({ kind: 'admin', actorId: actor.actorId, reason: admin.reason } as const);
      const state = await em.transactional(async (tx) => {
        const row = await setUserKeyEnabled(tx, target, enabled, by);
        if (row?.changed) {
          await appendAudit(tx, {
            ...actor,
            action: row.enabled ? 'key.enabled' : 'key.disabled',
            subjectUserId: row.userId,
            provider: row.provider,
            keyId: row.id,
            details: admin === undefined ? {} : { by_admin: true, ...(admin.reason === null ? {} : { reason: admin.reason }) },
          });
        }
        return row;
      });
      if (!state) throw notFound('Key');
      if (state.blocked && state.adminDisabled !== null) throw new AppError('forbidden', adminDisabledMessage(state.adminDisabled));
      if (state.changed) await deps.announceKeyChange(state.userId);
      return {
        id: state.id,
        provider: state.provider,
        enabled: state.enabled,
        admin_disabled: state.adminDisabled === null ? null : { at: state.adminDisabled.at.toISOString(), reason: state.adminDisabled.reason },
      };
    },
  };
}
