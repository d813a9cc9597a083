import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const KEY_TEST_STATUSES = ['untested', 'testing', 'valid', 'invalid', 'error'] as const;
export type KeyTestStatus = (typeof KEY_TEST_STATUSES)[number];

/**
 * One of a user's keys for a provider, identified by `(userId, provider, label)` (the label
 * compared ignoring case; `default` unless the user names it). The table and its first eight columns are the earlier Python
 * system's `user_provider_keys`, unchanged; the rest were added by migrations so that its
 * databases keep working. `keyVersion` grows on every replacement so a queued test of an older
 * key can tell it is stale.
 *
 * Every column is mapped except five of a staged replacement's: `candidate_encrypted`,
 * `candidate_binding_tag`, `candidate_key_fingerprint`, `candidate_description`, `candidate_metadata`.
 * Only the job that tests the candidate reads them (`loadKeyCandidate`), so key lists, key views
 * and route caches never carry a candidate token.
 */
export const ProviderKeySchema = defineEntity({
  name: 'ProviderKey',
  tableName: 'user_provider_keys',
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    userId: p.string().length(255),
    provider: p.string().length(50),
    apiKeyEncrypted: p.text(),
    metadata: p.json<Record<string, unknown>>().defaultRaw(`'{}'::jsonb`),
    enabled: p.boolean().default(true),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
    /** Free text the user gave the key (shown in listings); not part of its identity. */
    description: p.string().length(100).nullable(),
    keyHint: p.string().length(64).nullable(),
    keyVersion: p.integer().default(1),
    testStatus: p.string().length(16).default('untested'),
    lastTestedAt: p.datetime().nullable(),
    lastTestMessage: p.text().nullable(),
    lastTestLatencyMs: p.integer().nullable(),
    /** HMAC binding the token to this row and owner (Fernet has no associated data). */
    bindingTag: p.string().length(64).nullable(),
    /** Names the encryption key that made the token (`keyFingerprint` in @byok/crypto); null: not recorded yet. */
    keyFingerprint: p.string().length(16).nullable(),
    /** When the key last became `testing`; stamped by a trigger, read by the worker's stuck-test sweep. */
    testStartedAt: p.datetime().nullable(),
    /** Set by an admin's disable; while set, only an admin can enable the key again. */
    adminDisabledAt: p.datetime().nullable(),
    adminDisabledBy: p.string().length(255).nullable(),
    adminDisabledReason: p.string().length(500).nullable(),
    /** Masked hint and staging time of a replacement waiting for its test (`test_first`); the token itself is not mapped. */
    candidateKeyHint: p.string().length(64).nullable(),
    candidateStagedAt: p.datetime().nullable(),
    /** With user and provider, the key's identity (unique ignoring case); `default` unless named. */
    label: p.string().length(64).default('default'),
    /** 1–100, lower goes first; keys of equal priority share the load in turn. */
    priority: p.smallint().default(1),
    /** Model names or `*` globs this key may serve; null = any model. */
    models: p.json<string[]>().nullable(),
    /** When the key stops working, as its owner set it; drives the `key_expiring` reminders. */
    expiresAt: p.datetime().nullable(),
    /** When the key text was last set (a trigger stamps it on insert and replacement); drives `key_rotation_due`. */
    keySetAt: p.datetime().nullable(),
    /** The organization that owns the key (then `userId` is `org:<orgId>`); null for a user's own key. */
    orgId: p.uuid().nullable(),
  },
});

export type ProviderKey = InferEntity<typeof ProviderKeySchema>;
