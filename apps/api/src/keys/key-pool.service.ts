import {
  appendAudit,
  deleteOwnKeyById,
  findOwnKeyById,
  labelTaken,
  lockKeyPool,
  patchOwnKey,
  type EntityManager,
  type KeyPoolPatch,
  type ProviderKey,
} from '@byok/db';
import { AppError, notFound } from '@byok/http';
import type { Actor } from '../http/actor.js';
import type { KeyService } from './key.service.js';
import { parseKeyExpiry } from './key-expiry.js';
import { requireKeyLabel } from './key-label.js';

/** An owner's edit of one key: the key's place in its pool, its allow-list, its state. */
export interface KeyPatch {
  label?: string;
  priority?: number;
  models?: readonly string[] | null;
  enabled?: boolean;
  /** RFC 3339 (in the future), or null to clear. */
  expiresAt?: string | null;
}

export interface KeyPoolServiceDependencies {
  /** Toggles go through the key service, so a key an admin disabled stays disabled here too. */
  keys: KeyService;
  announceKeyChange: (userId: string) => Promise<void>;
}

export type KeyPoolService = ReturnType<typeof createKeyPoolService>;

const NOT_FOUND = 'Key';

/**
 * The user's keys by id (`/keys/by-id/{id}`). Every lookup is scoped to the caller: another
 * user's id is answered exactly like an unknown one (404), so ids reveal nothing.
 */
export function createKeyPoolService(deps: KeyPoolServiceDependencies) {
  async function ownKey(em: EntityManager, userId: string, id: string): Promise<ProviderKey> {
    const key = await findOwnKeyById(em, userId, id);
    if (!key) throw notFound(NOT_FOUND);
    return key;
  }

  return {
    getById: ownKey,

    /**
     * Applies an edit in one transaction with its audit record: the changed fields with their
     * before and after values (`key.updated`), and `key.enabled`/`key.disabled` as the toggle
     * writes them. A label another of the user's keys for the provider holds (ignoring case) is
     * 409 `duplicate_label`; enabling a key an admin disabled is 403, and nothing is changed.
     */
    async patchById(em: EntityManager, actor: Actor, userId: string, id: string, patch: KeyPatch): Promise<ProviderKey> {
      if (patch.label !== undefined) requireKeyLabel(patch.label, 'body/label');
      const expiresAt = patch.expiresAt === undefined ? undefined : parseKeyExpiry(patch.expiresAt, 'body/expires_at');
      const changed = await em.transactional(async (tx) => {
        const before = await ownKey(tx, userId, id);
        // Under the pool's lock, so a concurrent save or rename cannot take the label between the check and the write.
        await lockKeyPool(tx, userId, before.provider);
        const fields = changedFields(before, { ...patch, expiresAt });
        if (fields.label !== undefined && (await labelTaken(tx, userId, before.provider, fields.label, id))) {
          throw new AppError('duplicate_label', `You already have a ${before.provider} key labelled "${fields.label}" (labels are compared ignoring case).`, {
            details: [{ path: 'body/label', message: 'another of your keys for this provider has this label' }],
          });
        }
        const names = Object.keys(fields) as Array<keyof KeyPoolPatch>;
        if (names.length > 0) {
          if (!(await patchOwnKey(tx, userId, id, fields))) throw notFound(NOT_FOUND);
          await appendAudit(tx, {
            ...actor,
            action: 'key.updated',
            subjectUserId: userId,
            provider: before.provider,
            keyId: id,
            details: Object.fromEntries(names.map((name) => [AUDIT_NAMES[name], { from: currentValue(before, name), to: fields[name] }])),
          });
        }
        if (patch.enabled !== undefined) {
          // The toggle's own transaction nests in this one: an admin's disable (403) rolls the whole edit back.
          const toggled = await deps.keys.setEnabled(tx, actor, { id }, patch.enabled, undefined, { announce: false });
          return names.length > 0 || toggled.changed;
        }
        return names.length > 0;
      });
      if (changed) await deps.announceKeyChange(userId);
      return ownKey(em.fork(), userId, id);
    },

    async deleteById(em: EntityManager, actor: Actor, userId: string, id: string): Promise<void> {
      const deleted = await em.transactional(async (tx) => {
        const row = await deleteOwnKeyById(tx, userId, id);
        if (row) {
          await appendAudit(tx, { ...actor, action: 'key.deleted', subjectUserId: userId, provider: row.provider, keyId: row.id, details: { key_version: row.keyVersion, label: row.label } });
        }
        return row;
      });
      if (!deleted) throw notFound(NOT_FOUND);
      await deps.announceKeyChange(userId);
    },

    /** Like the per-provider toggle, for one of the caller's keys by id. */
    async toggleById(em: EntityManager, actor: Actor, userId: string, id: string, enabled: boolean | null) {
      await ownKey(em, userId, id);
      return deps.keys.setEnabled(em, actor, { id }, enabled);
    },
  };
}

/** How the audit record names each field (as the API does). */
const AUDIT_NAMES: Record<keyof KeyPoolPatch, string> = { label: 'label', priority: 'priority', models: 'models', expiresAt: 'expires_at' };

/** The patch's fields whose value differs from the key's (a label differing only in case is a rename). */
function changedFields(key: ProviderKey, patch: Omit<KeyPatch, 'expiresAt'> & { expiresAt: Date | null | undefined }): KeyPoolPatch {
  const fields: KeyPoolPatch = {};
  if (patch.label !== undefined && patch.label !== key.label) fields.label = patch.label;
  if (patch.priority !== undefined && patch.priority !== key.priority) fields.priority = patch.priority;
  if (patch.models !== undefined && JSON.stringify(patch.models) !== JSON.stringify(key.models ?? null)) fields.models = patch.models;
  if (patch.expiresAt !== undefined && (patch.expiresAt?.getTime() ?? null) !== (key.expiresAt?.getTime() ?? null)) fields.expiresAt = patch.expiresAt;
  return fields;
}

function currentValue(key: ProviderKey, name: keyof KeyPoolPatch): unknown {
  if (name === 'models') return key.models ?? null;
  if (name === 'expiresAt') return key.expiresAt ?? null;
  return key[name];
}
