import type { EntityManager } from '@mikro-orm/postgresql';
import { AUDIT_COLUMNS, type AuditEntry, auditInsertSelect } from './audit-log.repository.js';
import { claimNotificationDedupeSql } from './notification-dedupe.sql.js';
import { runPrepared } from './prepared-query.js';
import type { KeyTestResultInput } from './provider-keys.repository.js';

/**
 * The key-test worker's reads and writes. Each takes the jobs of a batch (the worker groups the
 * jobs in flight, see apps/worker's `key-test.write.ts`) and serves them all with one statement: under
 * load every round trip waits for a Postgres backend to be scheduled, so the number of round trips,
 * not the SQL, sets the worker's throughput. Values travel as arrays, one element per job, so the
 * statement text never changes and each connection plans it once.
 *
 * A batch never holds two jobs for the same key (the caller splits them): each job's rows are then
 * found by key id, and a key's row is locked at most once per statement.
 */

/** What a key test needs of its key, read in one statement together with the job's own audit record. */
export interface KeyUnderTest {
  id: string;
  userId: string;
  provider: string;
  apiKeyEncrypted: string;
  keyVersion: number;
  bindingTag: string | null;
  /** The owner's label, for the notification a verdict may cause. */
  label: string | null;
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

interface RawKeyUnderTest {
  /** 1-based position of the job in the batch. */
  n: string;
  id: string;
  user_id: string;
  provider: string;
  api_key_encrypted: string;
  key_version: number;
  binding_tag: string | null;
  label: string | null;
  test_status: string;
  last_test_message: string | null;
  validation_outcome: string | null;
  recorded: Record<string, unknown> | null;
  marked: boolean;
}

/**
 * The rows to mark are locked in id order before they are updated, as every multi-row write of the
 * worker does, so two batches that share keys cannot deadlock. The final SELECT reads the snapshot
 * taken before the UPDATE, hence the status before the mark.
 */
const LOAD_SQL = `WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bool[]) WITH ORDINALITY
    AS i(key_id, key_version, user_id, provider, idempotency_key, mark_testing, n)
), recorded AS (
  SELECT i.key_id, a.details FROM input i JOIN audit_log a ON a.idempotency_key = i.idempotency_key
), to_mark AS (
  SELECT k.id FROM user_provider_keys k JOIN input i ON i.key_id = k.id
  WHERE i.mark_testing AND k.key_version = i.key_version AND k.user_id = i.user_id AND k.provider = i.provider
    AND k.test_status <> 'testing' AND NOT EXISTS (SELECT 1 FROM recorded r WHERE r.key_id = i.key_id)
  ORDER BY k.id
  FOR UPDATE OF k
), marked AS (
  UPDATE user_provider_keys k SET test_status = 'testing' FROM to_mark m WHERE k.id = m.id RETURNING k.id
)
SELECT i.n, k.id, k.user_id, k.provider, k.api_key_encrypted, k.key_version, k.binding_tag, k.label, k.test_status, k.last_test_message,
  k.metadata->'validation'->>'outcome' AS validation_outcome, r.details AS recorded, m.id IS NOT NULL AS marked
FROM input i JOIN user_provider_keys k ON k.id = i.key_id
LEFT JOIN recorded r ON r.key_id = i.key_id LEFT JOIN marked m ON m.id = i.key_id`;

/**
 * Loads keys for their test jobs, in the order of `inputs`; null where the row does not exist.
 * Each job's audit record is joined in rather than read on its own: the check that makes a
 * redelivered job harmless then costs nothing on the first attempt, and still works for a stalled
 * job (redelivered with the same attempt number, so the attempt number cannot tell a first run from
 * a repeat).
 */
export async function loadKeysForTest(em: EntityManager, inputs: readonly LoadKeyForTestInput[]): Promise<Array<KeyUnderTest | null>> {
  assertDistinctKeys(inputs);
  const rows = await runPrepared<RawKeyUnderTest>(em, 'byok_load_keys_for_test', LOAD_SQL, [
    inputs.map((i) => i.keyId),
    inputs.map((i) => i.keyVersion),
    inputs.map((i) => i.userId),
    inputs.map((i) => i.provider),
    inputs.map((i) => i.idempotencyKey),
    inputs.map((i) => i.markTesting),
  ]);
  const byPosition = new Map(rows.map((row) => [Number(row.n), row]));
  return inputs.map((_, index) => {
    const row = byPosition.get(index + 1);
    if (row === undefined) return null;
    return {
      id: row.id,
      userId: row.user_id,
      provider: row.provider,
      apiKeyEncrypted: row.api_key_encrypted,
      keyVersion: row.key_version,
      bindingTag: row.binding_tag,
      label: row.label,
      testStatus: row.test_status,
      lastTestMessage: row.last_test_message,
      validationOutcome: row.validation_outcome,
      recorded: row.recorded,
      markedTesting: row.marked,
    };
  });
}

/**
 * A notification outbox row (see @byok/notifications `outboxRowFor`), written in the statement of
 * the result it reports, and only when that result is written.
 */
export interface KeyTestNotification {
  id: string;
  type: string;
  /** The event, stored as the row's payload; its `occurredAt` starts its dedupe window. */
  payload: unknown;
  dedupeKey: string;
  /** How long the event stands for `dedupeKey`; null: written whatever came before (see `claimNotificationDedupeSql`). */
  dedupeWindowMs: number | null;
}

/** A test result and its audit record, written together by `recordKeyTestsOnce`. */
export interface KeyTestRecordInput extends KeyTestResultInput {
  audit: AuditEntry & { idempotencyKey: string };
  /** The owner's notification this result causes, if any (its user is the audit record's subject). */
  notification?: KeyTestNotification;
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
  /** 1-based position of the job in the batch. */
  n: string;
  matched: boolean;
  audited: boolean;
  updated: boolean;
  previous_status: string | null;
  previous_outcome: string | null;
}

/** The audit columns as the input rows carry them: prefixed, since the key's own `key_id` and `provider` sit beside them. */
const AUDIT_INPUT = AUDIT_COLUMNS.map((c) => `audit_${c.name}`);
/** The key's result columns, `$1`…`$6`; the audit columns follow, in `AUDIT_COLUMNS` order, then the notification's five. */
const RESULT_PARAMETERS = 6;
const NOTIFICATION_PARAMETERS = ['uuid', 'text', 'jsonb', 'text', 'float8'].map((type, i) => `$${RESULT_PARAMETERS + AUDIT_COLUMNS.length + i + 1}::${type}[]`).join(', ');

/**
 * 1. `target` locks the rows still at their job's version, in id order (`FOR UPDATE` re-reads a row
 *    changed meanwhile and drops it unless it is still at that version): a replaced or deleted key
 *    gets neither write;
 * 2. the audit records are inserted for those rows only, each skipped when its idempotency key exists
 *    (columns and values from `AUDIT_COLUMNS`, the audit repository's one definition);
 * 3. a status is written only where its audit record was;
 * 4. the notification's dedupe window is claimed, and its outbox row inserted, only where the
 *    status was (the row is dropped when an earlier event of its dedupe key still stands, see
 *    `claimNotificationDedupeSql`), so a result that is not written notifies nobody.
 * The locks hold the rows from step 1 to the end, so no save can slip between a version check and
 * its status write.
 */
const RECORD_SQL = `WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::int[], $6::jsonb[],
    ${AUDIT_COLUMNS.map((c, i) => `$${RESULT_PARAMETERS + i + 1}::${c.type}[]`).join(', ')}, ${NOTIFICATION_PARAMETERS}) WITH ORDINALITY
    AS i(key_id, key_version, status, message, latency_ms, validation, ${AUDIT_INPUT.join(', ')}, notify_id, notify_type, notify_payload, notify_dedupe_key, notify_window_s, n)
), target AS (
  SELECT k.id, k.test_status, k.metadata->'validation'->>'outcome' AS validation_outcome
  FROM user_provider_keys k JOIN input i ON k.id = i.key_id AND k.key_version = i.key_version
  ORDER BY k.id
  FOR UPDATE OF k
), audit AS (
  INSERT INTO audit_log (${AUDIT_COLUMNS.map((c) => c.name).join(', ')})
  SELECT ${AUDIT_INPUT.map((name) => `i.${name}`).join(', ')}
  FROM input i JOIN target t ON t.id = i.key_id
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING idempotency_key
), updated AS (
  UPDATE user_provider_keys k SET test_status = i.status, last_test_message = i.message, last_test_latency_ms = i.latency_ms, last_tested_at = now(),
    metadata = jsonb_set(COALESCE(k.metadata, '{}'::jsonb), '{validation}', i.validation)
  FROM input i JOIN audit a ON a.idempotency_key = i.audit_idempotency_key
  WHERE k.id = i.key_id
  RETURNING k.id
), claimed AS (
  ${claimNotificationDedupeSql(`SELECT i.notify_dedupe_key, (i.notify_payload->>'occurredAt')::timestamptz, (i.notify_payload->>'occurredAt')::timestamptz + make_interval(secs => i.notify_window_s)
  FROM input i JOIN updated u ON u.id = i.key_id
  WHERE i.notify_id IS NOT NULL AND i.notify_window_s IS NOT NULL`)}
), notified AS (
  INSERT INTO notification_outbox (id, user_id, type, payload, dedupe_key)
  SELECT i.notify_id, i.audit_subject_user_id, i.notify_type, i.notify_payload, i.notify_dedupe_key
  FROM input i JOIN updated u ON u.id = i.key_id
  WHERE i.notify_id IS NOT NULL AND (i.notify_window_s IS NULL OR i.notify_dedupe_key IN (SELECT dedupe_key FROM claimed))
  RETURNING id
)
SELECT i.n, t.id IS NOT NULL AS matched, a.idempotency_key IS NOT NULL AS audited, u.id IS NOT NULL AS updated,
  t.test_status AS previous_status, t.validation_outcome AS previous_outcome
FROM input i LEFT JOIN target t ON t.id = i.key_id LEFT JOIN audit a ON a.idempotency_key = i.audit_idempotency_key LEFT JOIN updated u ON u.id = i.key_id`;

/**
 * Writes each key's test result and its audit record, both or neither, in one statement for the
 * whole batch. Results come in the order of `inputs`.
 */
export async function recordKeyTestsOnce(em: EntityManager, inputs: readonly KeyTestRecordInput[]): Promise<KeyTestRecordResult[]> {
  assertDistinctKeys(inputs);
  const column = <T>(pick: (input: KeyTestRecordInput) => T): T[] => inputs.map(pick);
  const rows = await runPrepared<RawRecordResult>(em, 'byok_record_key_tests_once', RECORD_SQL, [
    column((i) => i.keyId),
    column((i) => i.keyVersion),
    column((i) => i.status),
    column((i) => i.message),
    column((i) => i.latencyMs),
    column((i) => JSON.stringify(i.validation)),
    ...AUDIT_COLUMNS.map((c) => column((i) => c.value(i.audit))),
    column((i) => i.notification?.id ?? null),
    column((i) => i.notification?.type ?? null),
    column((i) => (i.notification === undefined ? null : JSON.stringify(i.notification.payload))),
    column((i) => i.notification?.dedupeKey ?? null),
    column((i) => (i.notification === undefined || i.notification.dedupeWindowMs === null ? null : i.notification.dedupeWindowMs / 1000)),
  ]);
  const byPosition = new Map(rows.map((row) => [Number(row.n), row]));
  return inputs.map((_, index) => recordResult(byPosition.get(index + 1)));
}

function recordResult(row: RawRecordResult | undefined): KeyTestRecordResult {
  if (row === undefined || !row.matched) return { outcome: 'changed' };
  if (!row.audited) return { outcome: 'already_recorded' };
  // The update joins the locked row and needs only the audit insert; missing it would be a bug here.
  if (!row.updated) throw new Error('key test audit record written without its status write');
  return { outcome: 'written', previous: { testStatus: row.previous_status ?? 'untested', validationOutcome: row.previous_outcome } };
}

/** How a batch tells keys apart: Postgres reads a uuid in either case. */
export const batchKeyOf = (input: { keyId: string }): string => input.keyId.toLowerCase();

function assertDistinctKeys(inputs: readonly { keyId: string }[]): void {
  if (new Set(inputs.map(batchKeyOf)).size !== inputs.length) throw new Error('a key-test batch holds two jobs for the same key');
}

/** A key the sweep moved from `testing` to `error` because its test never finished. */
export interface AbandonedKeyTest {
  id: string;
  userId: string;
  provider: string;
  keyVersion: number;
}

/** Audit action of a key test the sweep finished. */
export const KEY_TEST_ABANDONED_ACTION = 'key.test_abandoned';

/**
 * Skips rows a running job holds (it is about to write its own result), locks the rest in id order
 * like every multi-row writer of the worker, and writes each key's status and its audit record in
 * one statement. The idempotency key names the key version and when it became `testing`, so two
 * sweeps (two worker instances) record one abandonment per test. `metadata.validation` keeps the
 * last real verdict (routing reads its `no_credit` note).
 */
const FINISH_STUCK_SQL = `WITH stuck AS (
  SELECT id FROM user_provider_keys
  WHERE test_status = 'testing' AND test_started_at < now() - make_interval(secs => $1::double precision / 1000)
  ORDER BY id LIMIT $2
  FOR UPDATE SKIP LOCKED
), finished AS (
  UPDATE user_provider_keys k SET test_status = 'error', last_test_message = $3, last_tested_at = now()
  FROM stuck s WHERE k.id = s.id
  RETURNING k.id, k.user_id, k.org_id, k.provider, k.key_version, k.test_started_at
), audit AS (
  ${auditInsertSelect('finished f', {
    actor_id: "'system'",
    actor_type: "'system'",
    action: '$4',
    subject_user_id: 'f.user_id',
    provider: 'f.provider',
    key_id: 'f.id',
    request_id: 'NULL',
    trace_id: 'NULL',
    ip: 'NULL',
    user_agent: 'NULL',
    org_id: 'f.org_id',
    details: "jsonb_build_object('status', 'error', 'key_version', f.key_version, 'testing_since', f.test_started_at, 'stuck_after_ms', $1::bigint)",
    idempotency_key: "'key-test-abandoned:' || f.id || ':v' || f.key_version || ':' || floor(extract(epoch FROM f.test_started_at) * 1000)::bigint",
  })}
)
SELECT id, user_id, provider, key_version FROM finished`;

/**
 * Finishes up to `limit` keys left `testing` longer than `stuckAfterMs` (their job was lost with
 * Redis's data, or never ran): status `error` with `message`, and one `key.test_abandoned` audit
 * record each, in one statement. Returns the keys it finished, for the caller to test them again.
 */
export async function finishStuckKeyTests(em: EntityManager, input: { stuckAfterMs: number; limit: number; message: string }): Promise<AbandonedKeyTest[]> {
  const rows = await runPrepared<{ id: string; user_id: string; provider: string; key_version: number }>(em, 'byok_finish_stuck_key_tests', FINISH_STUCK_SQL, [
    input.stuckAfterMs,
    input.limit,
    input.message,
    KEY_TEST_ABANDONED_ACTION,
  ]);
  return rows.map((r) => ({ id: r.id, userId: r.user_id, provider: r.provider, keyVersion: r.key_version }));
}
