import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditEntry } from './audit-log.repository.js';
import type { KeyTestResultInput } from './provider-keys.repository.js';

/**
 * The key-test worker's reads and writes, each one SQL statement: a job costs one round trip to
 * load and one to record, instead of an ORM find, an idempotency read and a four-statement
 * transaction. Under load every round trip waits for a Postgres backend to be scheduled, so their
 * number, not the SQL, set the worker's throughput.
 */

/** What a key test needs of its key, read in one statement together with the job's own audit record. */
export interface KeyUnderTest {
  id: string;
  userId: string;
  provider: string;
  apiKeyEncrypted: string;
  keyVersion: number;
  bindingTag: string | null;
  /** The status before this load (before it marked the key `testing`, if it did). */
  testStatus: string;
  lastTestMessage: string | null;
  /** `metadata.validation.outcome` of the last test, e.g. `no_credit`. */
  validationOutcome: string | null;
  /** `details` of the audit record with the job's idempotency key: an earlier run already recorded the result. */
  recorded: Record<string, unknown> | null;
  /** True when this load changed the status to `testing`. */
  markedTesting: boolean;
}

export interface LoadKeyForTestInput {
  keyId: string;
  keyVersion: number;
  userId: string;
  provider: string;
  idempotencyKey: string;
  /**
   * Set the status to `testing` when the row is at `keyVersion`, belongs to `userId` and
   * `provider`, is not already `testing`, and the job has recorded nothing yet.
   */
  markTesting: boolean;
}

const KEY_UNDER_TEST_COLUMNS = `k.id, k.user_id, k.provider, k.api_key_encrypted, k.key_version, k.binding_tag, k.test_status, k.last_test_message,
  k.metadata->'validation'->>'outcome' AS validation_outcome`;

interface RawKeyUnderTest {
  id: string;
  user_id: string;
  provider: string;
  api_key_encrypted: string;
  key_version: number;
  binding_tag: string | null;
  test_status: string;
  last_test_message: string | null;
  validation_outcome: string | null;
  recorded: Record<string, unknown> | null;
  marked: boolean;
}

/**
 * Loads a key for its test job, or null when the row does not exist. The job's audit record is
 * joined in rather than read on its own: the check that makes a redelivered job harmless then
 * costs nothing on the first attempt, and still works for a stalled job (redelivered with the same
 * attempt number, so the attempt number cannot tell a first run from a repeat).
 */
export async function loadKeyForTest(em: EntityManager, input: LoadKeyForTestInput): Promise<KeyUnderTest | null> {
  // Most tests mark nothing (new keys already are `testing`, scheduled ones keep their verdict);
  // a plain join plans in a fifth of the time of the statement with the marking UPDATE.
  const rows = input.markTesting
    ? await em.execute<RawKeyUnderTest[]>(
        `WITH recorded AS (
           SELECT details FROM audit_log WHERE idempotency_key = ?
         ), marked AS (
           UPDATE user_provider_keys SET test_status = 'testing'
           WHERE id = ? AND key_version = ? AND user_id = ? AND provider = ? AND test_status <> 'testing'
             AND NOT EXISTS (SELECT 1 FROM recorded)
           RETURNING id
         )
         SELECT ${KEY_UNDER_TEST_COLUMNS}, (SELECT details FROM recorded) AS recorded, EXISTS (SELECT 1 FROM marked) AS marked
         FROM user_provider_keys k WHERE k.id = ?`,
        [input.idempotencyKey, input.keyId, input.keyVersion, input.userId, input.provider, input.keyId],
      )
    : await em.execute<RawKeyUnderTest[]>(
        `SELECT ${KEY_UNDER_TEST_COLUMNS}, a.details AS recorded, FALSE AS marked
         FROM user_provider_keys k LEFT JOIN audit_log a ON a.idempotency_key = ?
         WHERE k.id = ?`,
        [input.idempotencyKey, input.keyId],
      );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    id: row.id,
    userId: row.user_id,
    provider: row.provider,
    apiKeyEncrypted: row.api_key_encrypted,
    keyVersion: row.key_version,
    bindingTag: row.binding_tag,
    testStatus: row.test_status,
    lastTestMessage: row.last_test_message,
    validationOutcome: row.validation_outcome,
    recorded: row.recorded,
    markedTesting: row.marked,
  };
}

/** A test result and its audit record, written together by `recordKeyTestOnce`. */
export interface KeyTestRecordInput extends KeyTestResultInput {
  audit: AuditEntry & { idempotencyKey: string };
}

/**
 * - `written`: status and audit record written; `previous` is what the key said before.
 * - `changed`: the key is gone or at another version; nothing written.
 * - `already_recorded`: another run of the same job wrote its audit record; nothing written.
 */
export type KeyTestRecordResult =
  | { outcome: 'written'; previous: { testStatus: string; validationOutcome: string | null } }
  | { outcome: 'changed' | 'already_recorded' };

interface RawRecordResult {
  matched: boolean;
  audited: boolean;
  updated: boolean;
  previous_status: string | null;
  previous_outcome: string | null;
}

/**
 * Writes a key's test result and its audit record in one statement, so both or neither land:
 * 1. the row is locked at the job's version (`FOR UPDATE` re-reads a row changed meanwhile and
 *    drops it unless it is still at that version): a replaced or deleted key gets neither write;
 * 2. the audit record is inserted for that row only, and skipped when its idempotency key exists;
 * 3. the status is written only when the audit record was.
 * The lock holds the row from step 1 to the end, so no save can slip between the version check
 * and the status write.
 */
export async function recordKeyTestOnce(em: EntityManager, input: KeyTestRecordInput): Promise<KeyTestRecordResult> {
  const a = input.audit;
  const rows = await em.execute<RawRecordResult[]>(
    `WITH target AS (
       SELECT id, test_status, metadata->'validation'->>'outcome' AS validation_outcome
       FROM user_provider_keys WHERE id = ? AND key_version = ?
       FOR UPDATE
     ), audit AS (
       INSERT INTO audit_log (actor_id, actor_type, action, subject_user_id, provider, key_id, request_id, trace_id, ip, user_agent, details, idempotency_key)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ? FROM target
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id
     ), updated AS (
       UPDATE user_provider_keys k SET test_status = ?, last_test_message = ?, last_test_latency_ms = ?, last_tested_at = now(),
         metadata = jsonb_set(COALESCE(k.metadata, '{}'::jsonb), '{validation}', ?::jsonb)
       FROM target WHERE k.id = target.id AND EXISTS (SELECT 1 FROM audit)
       RETURNING k.id
     )
     SELECT EXISTS (SELECT 1 FROM target) AS matched, EXISTS (SELECT 1 FROM audit) AS audited, EXISTS (SELECT 1 FROM updated) AS updated,
       (SELECT test_status FROM target) AS previous_status, (SELECT validation_outcome FROM target) AS previous_outcome`,
    [
      input.keyId,
      input.keyVersion,
      a.actorId,
      a.actorType,
      a.action,
      a.subjectUserId,
      a.provider ?? null,
      a.keyId ?? null,
      a.requestId ?? null,
      a.traceId ?? null,
      a.ip ?? null,
      a.userAgent?.slice(0, 512) ?? null,
      JSON.stringify(a.details ?? {}),
      a.idempotencyKey,
      input.status,
      input.message,
      input.latencyMs,
      JSON.stringify(input.validation),
    ],
  );
  const row = rows[0];
  if (row === undefined || !row.matched) return { outcome: 'changed' };
  if (!row.audited) return { outcome: 'already_recorded' };
  // The update joins the locked row and needs only the audit insert; missing it would be a bug here.
  if (!row.updated) throw new Error('key test audit record written without its status write');
  return { outcome: 'written', previous: { testStatus: row.previous_status ?? 'untested', validationOutcome: row.previous_outcome } };
}
