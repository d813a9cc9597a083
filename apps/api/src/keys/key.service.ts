import { randomUUID } from 'node:crypto';
import type { Keyring } from '@byok/crypto';
import { isStoredKeyring } from '@byok/crypto';
import {
  appendAudit,
  countOtherKeys,
  deleteUserKey,
  findUserKey,
  findKeyRowId,
  findUserKeys,
  listKeys,
  lockKeyPool,
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
import { notifyAdminDisable } from '../notifications/admin-disable.notification.js';
import { parseProvider } from '../http/provider-param.js';
import { requireWellFormed } from '../http/well-formed-input.js';
import type { KeyTestJobWaiter } from './job-wait.js';
import { prepareKey, type PreparedKey, type SaveKeyInput } from './key-input.js';
import { interactiveTestDedupId } from './key-test-dedup.js';
import { keyName, labelOrDefault } from './key-label.js';
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
  /**
   * Clears a replaced key's health on every proxy (`forgetKeyHealth`): the new text starts without
   * the old one's cool-down or open circuit, which routing never tries past. Best effort.
   */
  forgetKeyHealth: (keyId: string) => Promise<void>;
  /** Keys one user may hold per provider (BYOK_MAX_KEYS_PER_PROVIDER). */
  maxKeysPerProvider: number;
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

/** The answer of a toggle: the key's state after it (`changed` is for callers, not sent). */
export interface ToggleState {
  id: string;
  provider: string;
  enabled: boolean;
  admin_disabled: { at: string; reason: string | null } | null;
  changed: boolean;
}

/** What the owner is told when enabling a key an admin disabled. */
export function adminDisabledMessage(disabled: { at: Date; reason: string | null }): string {
  const why = disabled.reason === null ? '' : ` (reason: ${disabled.reason})`;
  return `An administrator disabled this key on ${disabled.at.toISOString()}${why}. Only an administrator can enable it again.`;
}

export type KeyService = ReturnType<typeof createKeyService>;

/** Rolls a rehearsed save back (see `rehearseSave`). */
class SaveRehearsed extends Error {
  constructor() {
    super('rehearsal: rolled back before the test job');
  }
}

/**
 * Key management. Every mutation writes its audit record in the same transaction as the change,
 * and a new key's test job is enqueued inside that transaction too: if Redis refuses the job the
 * whole save rolls back (the caller gets 503 and nothing is half-written). The worker tolerates
 * seeing the job before the commit (it retries until the row's version is visible).
 */
export function createKeyService(deps: KeyServiceDependencies) {
  const keyring = isStoredKeyring(deps.keyring) ? deps.keyring : null;
  const testFirst = createTestFirstSave(deps);

  /** A new key (a label the user has no key under) past the pool's size is refused; a replacement never is. */
  async function refuseFullPool(em: EntityManager, key: PreparedKey, existingId: string | null): Promise<void> {
    if (existingId !== null) return;
    // countOtherKeys leaves out the key's own label, so it counts the same before and after its insert.
    const others = await countOtherKeys(em, key.userId, key.provider, key.label);
    if (others < deps.maxKeysPerProvider) return;
    throw new AppError(
      'too_many_keys',
      `You already hold ${others} ${PROVIDERS[key.provider].displayName} keys, the most allowed (${deps.maxKeysPerProvider}). Delete one, or save under an existing label to replace that key.`,
      { details: [{ path: 'body/label', message: `no ${PROVIDERS[key.provider].displayName} key has this label, and the provider's ${deps.maxKeysPerProvider} keys are all taken` }] },
    );
  }

  /**
   * Stores the key. A save that adds a key takes the pool's lock (`lockKeyPool`) and checks the
   * pool's size under it, so two concurrent additions cannot both take the last place; a
   * replacement, the common case, takes no pool lock and serialises on its row as before. A
   * replacement whose row was renamed or deleted meanwhile inserts instead, and is checked after
   * its insert under the same lock (the rollback undoes it). `takeBudget` runs once the size check
   * passed, so a save refused for a full pool spends nothing; it throws (429) before any write.
   */
  async function store(em: EntityManager, actor: Actor, key: PreparedKey, takeBudget: () => Promise<void>, queueTest: (saved: ProviderKey) => Promise<void>): Promise<SaveKeyResult> {
    const { provider, token, keyHint } = key;
    return em.transactional(async (tx) => {
      // Binding ties the token to its row and owner (libs/crypto/ROTATION.md). It needs the row id,
      // so it is computed for the current row's id (or a new one) before the upsert locks the row.
      // Read in the transaction: a second pool checkout would queue again behind busy saves.
      let existingId = await findKeyRowId(tx, key.userId, provider, key.label);
      const locked = existingId === null;
      if (locked) {
        await lockKeyPool(tx, key.userId, provider);
        // Another save may have added this label while we waited for the lock.
        existingId = await findKeyRowId(tx, key.userId, provider, key.label);
        await refuseFullPool(tx, key, existingId);
      }
      await takeBudget();
      const id = existingId ?? randomUUID();
      const binding = keyring?.bind({ id, userId: key.userId, provider }, token) ?? null;
      // The audit record is written by the upsert's own statement (see upsertProviderKey).
      const upserted = await upsertProviderKey(
        tx,
        {
          id,
          userId: key.userId,
          provider,
          label: key.label,
          apiKeyEncrypted: token,
          keyHint,
          description: key.description,
          ...(key.priority !== undefined ? { priority: key.priority } : {}),
          ...(key.models !== undefined ? { models: key.models } : {}),
          metadata: key.metadata,
          expiresAt: key.expiresAt,
          binding,
        },
        { ...actor, subjectUserId: key.userId, provider, details: { masked_key: keyHint, format_recognized: key.formatRecognized } },
      );
      const { inserted } = upserted;
      if (inserted && !locked) {
        await lockKeyPool(tx, key.userId, provider);
        await refuseFullPool(tx, key, null);
      }
      // The row was deleted and re-created meanwhile, under another id: bind to that one.
      const saved = keyring !== null && upserted.key.bindingTag === null ? await recordKeyBinding(tx, upserted.key, keyring.bind(upserted.key, token)) : upserted.key;
      await queueTest(saved);
      return { key: saved, outcome: inserted ? ('created' as const) : ('replaced' as const) };
    });
  }

  /** A stored key's test job, queued inside the save's transaction (a refused job rolls the save back). */
  async function queueKeyTest(actor: Actor, key: PreparedKey, saved: ProviderKey): Promise<void> {
    await deps.producers.keyTests.enqueue(
      { keyId: saved.id, keyVersion: saved.keyVersion, userId: key.userId, provider: key.provider, reason: 'added', actorId: actor.actorId, ...(actor.requestId ? { requestId: actor.requestId } : {}) },
      { deduplication: { id: interactiveTestDedupId(saved.id, saved.keyVersion) } },
    );
  }

  return {
    /**
     * Saves a key. With `testFirst` and a current key, the new key replaces it only after it passed
     * its test (see test-first.service.ts). Every save takes one provider call from the user's
     * budget, after its input was found good.
     */
    async saveKey(em: EntityManager, actor: Actor, input: SaveKeyInput, options: { testFirst?: boolean } = {}): Promise<SaveKeyResult> {
      const prepared = prepareKey(deps.keyring, input);
      if (options.testFirst === true && (prepared.priority !== undefined || prepared.models !== undefined || prepared.expiresAt !== null)) {
        const message = 'cannot be combined with test_first (a tested replacement keeps the current key\'s priority and models, and has no expiry); set them with PATCH /keys/by-id/{id}';
        const path = prepared.priority !== undefined ? 'body/priority' : prepared.models !== undefined ? 'body/models' : 'body/expires_at';
        throw new AppError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
      }
      let takeBudget = () => deps.limiter.take(input.userId);
      if (options.testFirst === true) {
        // A save into a full pool spends nothing: checked before the budget (and again under the lock in store()).
        await refuseFullPool(em, prepared, await findKeyRowId(em, prepared.userId, prepared.provider, prepared.label));
        await takeBudget();
        const tested = await testFirst(em, actor, prepared);
        if (tested !== null) {
          if (tested.state === 'replaced') await deps.announceKeyChange(input.userId);
          return { key: tested.key, outcome: tested.state };
        }
        takeBudget = async () => {};
      }
      const saved = await store(em, actor, prepared, takeBudget, (saved) => queueKeyTest(actor, prepared, saved));
      if (saved.outcome === 'replaced') await deps.forgetKeyHealth(saved.key.id);
      await deps.announceKeyChange(input.userId);
      return saved;
    },

    /**
     * A save of `input` for a fresh process's warm-up, rolled back where the save would queue its
     * test: every statement of a save that adds a key runs (and is prepared on its connection),
     * the key is encrypted and bound, and nothing stays, no job is queued, no budget is taken and
     * nothing is announced.
     */
    async rehearseSave(em: EntityManager, actor: Actor, input: SaveKeyInput): Promise<void> {
      const rolledBack = new SaveRehearsed();
      const prepared = prepareKey(deps.keyring, input);
      const outcome = await store(em, actor, prepared, async () => {}, () => Promise.reject(rolledBack)).catch((error: unknown) => error);
      if (outcome !== rolledBack) throw outcome instanceof Error ? outcome : new Error('a rehearsed save was stored');
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

    /** The user's key for a provider labelled `label` (`default` when absent); 404 when there is none. */
    async getKey(em: EntityManager, userId: string, providerParam: string, labelParam?: string): Promise<ProviderKey> {
      const provider = parseProvider(providerParam);
      const label = labelOrDefault(labelParam);
      const key = await findUserKey(em, userId, provider, label);
      if (!key) throw notFound(keyName(provider, label));
      return key;
    },

    async deleteKey(em: EntityManager, actor: Actor, userId: string, providerParam: string, labelParam?: string): Promise<void> {
      const provider = parseProvider(providerParam);
      const label = labelOrDefault(labelParam);
      const deleted = await em.transactional(async (tx) => {
        const row = await deleteUserKey(tx, userId, provider, label);
        if (row) {
          await appendAudit(tx, { ...actor, action: 'key.deleted', subjectUserId: userId, provider, keyId: row.id, details: { key_version: row.keyVersion, label } });
        }
        return row;
      });
      if (!deleted) throw notFound(keyName(provider, label));
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
      where: { userId: string; provider: string; label?: string | undefined } | { id: string },
      enabled: boolean | null,
      admin?: AdminChange,
      options: { announce?: boolean } = {},
    ): Promise<ToggleState> {
      const target = 'id' in where ? where : { userId: where.userId, provider: parseProvider(where.provider), label: labelOrDefault(where.label) };
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
          if (admin !== undefined && !row.enabled) await notifyAdminDisable(tx, row, admin.reason);
        }
        return row;
      });
      if (!state) throw notFound('id' in target ? 'Key' : keyName(target.provider, target.label));
      if (state.blocked && state.adminDisabled !== null) throw new AppError('forbidden', adminDisabledMessage(state.adminDisabled));
      // A caller inside its own transaction (PATCH) announces after its commit instead.
      if (state.changed && options.announce !== false) await deps.announceKeyChange(state.userId);
      return {
        id: state.id,
        provider: state.provider,
        enabled: state.enabled,
        admin_disabled: state.adminDisabled === null ? null : { at: state.adminDisabled.at.toISOString(), reason: state.adminDisabled.reason },
        changed: state.changed,
      };
    },
  };
}
