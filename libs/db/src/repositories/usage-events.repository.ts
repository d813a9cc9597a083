import type { EntityManager } from '@mikro-orm/postgresql';
import type { Knex } from '@mikro-orm/postgresql';

/**
 * Runs one statement with its values sent as bind parameters, inside `em`'s transaction.
 * `em.execute` inlines every value into the SQL text, which for a batch's 70 kB JSON parameter
 * costs the client an escape pass and the server a 70 kB literal to scan, on every statement.
 */
async function executeBound<Row>(em: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
  const query = em.getKnex().raw(sql, params as Knex.RawBinding[]);
  const trx = em.getTransactionContext<Knex.Transaction>();
  if (trx) query.transacting(trx);
  const result = (await query) as { rows: Row[] };
  return result.rows;
}

/**
 * One proxied request as the usage consumer stores it. Field for field the queue's `UsageEvent`
 * (libs/queues), declared here structurally so libs/db does not depend on the queue library; a
 * `UsageEvent` is assignable to it.
 */
export interface UsageEventInput {
  requestId: string;
  userId: string;
  provider: string;
  model: string;
  credentialSource: 'user_openrouter' | 'user_provider' | 'system';
  keyId?: string | undefined;
  statusCode: number;
  stream: boolean;
  promptTokens: number;
  completionTokens: number;
  costMicro: number;
  creditsMicro: number;
  latencyMs: number;
  ttfbMs?: number | undefined;
  /** RFC 3339 date-time; its UTC date is the aggregate's day. */
  occurredAt: string;
  /** The tokens and charge are the proxy's estimate (the request ended before the upstream reported usage). */
  estimated?: boolean | undefined;
  /** The organization the request acted for (`userId` is the member). */
  orgId?: string | undefined;
  /** Whether the organization's key served it; read only with `orgId`. */
  orgKey?: boolean | undefined;
  /** A budget refused the request (it reached no provider); budgets' sums leave it out. */
  blockedBudgetId?: string | undefined;
}

export interface ApplyUsageEventsResult {
  /** Events stored for the first time (and therefore aggregated and, if due, charged). */
  inserted: number;
  /** Events whose request id was already stored, or repeated earlier in the same batch. */
  duplicates: number;
  /** Credits debited by this call, in micro-credits (a positive number). */
  chargedMicro: number;
  /** The request ids stored by this call; every other request id of the batch was a duplicate. */
  insertedRequestIds: ReadonlySet<string>;
}

/**
 * Stores a batch of usage events with exactly-once effect, in one transaction:
 *
 * 1. inserts the raw events into `usage_events`; the request id is the primary key and
 *    `ON CONFLICT DO NOTHING RETURNING` reports which ones are new;
 * 2. adds only the new events to `usage_daily` (one row per user, UTC day, provider, model and
 *    credential source) and to its rollup `usage_platform_daily` (per day, provider and credential
 *    source) with additive upserts, and the events made for an organization to `usage_org_daily`
 *    (one row per organization, day, member, provider, model and whether the org's key served it),
 *    and the events a key answered to `usage_key_daily` (one row per key, day and model);
 * 3. debits credits for the new `system` events with `creditsMicro > 0`: one `credit_ledger`
 *    charge per request (the ledger's request id is unique; `details.estimated` marks a charge
 *    from the proxy's estimate) and one balance update per user.
 *
 * A replayed or redelivered event therefore changes nothing, and a batch that fails (Postgres
 * away, a constraint) leaves nothing behind. Within a batch the first occurrence of a request id
 * wins. BYOK events (`user_openrouter`, `user_provider`) never debit and are stored with
 * `credits_micro = 0`, so raw events, aggregates and the ledger agree.
 *
 * Charges may take a balance below zero: the proxy reserves a request's estimated cost against
 * the balance before it forwards it (`@byok/reservations`), and the charge settles afterwards,
 * when the cost is known — beyond the estimate, if the request cost more. Refusing the charge here
 * would only lose the record of credits that were already spent upstream.
 *
 * Rows are written in key order in every table (events by request id, aggregates by their key,
 * accounts by user id), so concurrent consumers wait for each other instead of deadlocking.
 */
export async function applyUsageEvents(em: EntityManager, events: readonly UsageEventInput[]): Promise<ApplyUsageEventsResult> {
  const distinct = firstPerRequestId(events);
  if (distinct.length === 0) return { inserted: 0, duplicates: 0, chargedMicro: 0, insertedRequestIds: new Set() };
  const rows = distinct.map(toStoredEvent);
  return em.transactional(async (tx) => {
    const insertedRequestIds = await insertRawEvents(tx, rows);
    const fresh = rows.filter((row) => insertedRequestIds.has(row.request_id));
    if (fresh.length > 0) await upsertDaily(tx, aggregate(fresh, dailyDimensions));
    const forOrgs = fresh.filter((row): row is StoredEvent & { org_id: string } => row.org_id !== null);
    if (forOrgs.length > 0) await upsertOrgDaily(tx, aggregate(forOrgs, orgDailyDimensions));
    const byKey = fresh.filter((row): row is StoredEvent & { key_id: string } => row.key_id !== null);
    if (byKey.length > 0) await upsertKeyDaily(tx, aggregate(byKey, keyDailyDimensions));
    const chargedMicro = await chargeSystemEvents(tx, fresh);
    return { inserted: fresh.length, duplicates: events.length - fresh.length, chargedMicro, insertedRequestIds };
  });
}

/** An event as stored in `usage_events`, with the derived columns the aggregates need. */
interface StoredEvent {
  request_id: string;
  user_id: string;
  provider: string;
  model: string;
  credential_source: UsageEventInput['credentialSource'];
  key_id: string | null;
  status_code: number;
  success: boolean;
  stream: boolean;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micro: number;
  credits_micro: number;
  latency_ms: number;
  ttfb_ms: number | null;
  estimated: boolean;
  /** Lower case, so two spellings of one organization add to one `usage_org_daily` row. */
  org_id: string | null;
  /** Not a `usage_events` column: only the org rollup keeps it. */
  org_key: boolean;
  blocked_budget_id: string | null;
  /** Normalised to `toISOString()` so the stored instant and the day below agree exactly. */
  occurred_at: string;
  day: string;
  occurred_at_ms: number;
}

function firstPerRequestId(events: readonly UsageEventInput[]): UsageEventInput[] {
  const seen = new Set<string>();
  const distinct: UsageEventInput[] = [];
  for (const event of events) {
    if (seen.has(event.requestId)) continue;
    seen.add(event.requestId);
    distinct.push(event);
  }
  return distinct;
}

function toStoredEvent(event: UsageEventInput): StoredEvent {
  const occurredAtMs = Date.parse(event.occurredAt);
  // A RangeError here is a bad event, not an outage; the consumer isolates it from its batch.
  const occurredAt = new Date(occurredAtMs).toISOString();
  return {
    request_id: event.requestId,
    user_id: event.userId,
    provider: event.provider,
    model: event.model,
    credential_source: event.credentialSource,
    key_id: event.keyId ?? null,
    status_code: event.statusCode,
    success: event.statusCode < 400,
    stream: event.stream,
    prompt_tokens: event.promptTokens,
    completion_tokens: event.completionTokens,
    cost_micro: event.costMicro,
    credits_micro: event.credentialSource === 'system' ? event.creditsMicro : 0,
    latency_ms: event.latencyMs,
    ttfb_ms: event.ttfbMs ?? null,
    estimated: event.estimated === true,
    org_id: event.orgId?.toLowerCase() ?? null,
    org_key: event.orgId !== undefined && event.orgKey === true,
    blocked_budget_id: event.blockedBudgetId ?? null,
    occurred_at: occurredAt,
    day: occurredAt.slice(0, 10),
    occurred_at_ms: occurredAtMs,
  };
}

/**
 * One statement for the whole batch: the rows travel as a single JSON parameter, which keeps the
 * statement small and its plan cacheable whatever the batch size. The parameter is `json`, not
 * `jsonb`: the rows are read once, and building jsonb's binary tree first cost about a third of
 * Postgres' CPU per stored event (every statement here reads its batch the same way).
 */
async function insertRawEvents(em: EntityManager, rows: StoredEvent[]): Promise<Set<string>> {
  const inserted = await executeBound<{ request_id: string }>(em,
    `INSERT INTO usage_events (request_id, user_id, provider, model, credential_source, key_id, status_code, success, stream,
                               prompt_tokens, completion_tokens, cost_micro, credits_micro, latency_ms, ttfb_ms, estimated, blocked_budget_id, occurred_at, org_id)
     SELECT e.request_id, e.user_id, e.provider, e.model, e.credential_source, e.key_id, e.status_code, e.success, e.stream,
            e.prompt_tokens, e.completion_tokens, e.cost_micro, e.credits_micro, e.latency_ms, e.ttfb_ms, e.estimated, e.blocked_budget_id, e.occurred_at, e.org_id
     FROM json_to_recordset(?::json) AS e(request_id text, user_id text, provider text, model text, credential_source text, key_id uuid,
          status_code integer, success boolean, stream boolean, prompt_tokens integer, completion_tokens integer, cost_micro bigint,
          credits_micro bigint, latency_ms integer, ttfb_ms integer, estimated boolean, blocked_budget_id uuid, occurred_at timestamptz, org_id uuid)
     ORDER BY e.request_id
     ON CONFLICT (request_id) DO NOTHING
     RETURNING request_id`,
    [JSON.stringify(rows.map(({ day: _day, occurred_at_ms: _ms, org_key: _orgKey, ...row }) => row))],
  );
  return new Set(inserted.map((row) => row.request_id));
}

/** What one batch adds to one aggregate row, besides the row's key. */
interface UsageSumIncrement {
  calls: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micro: number;
  credits_micro: number;
  last_used_at: string;
}

/** The key of a `usage_daily` row. */
function dailyDimensions(row: StoredEvent) {
  return { user_id: row.user_id, day: row.day, provider: row.provider, model: row.model, credential_source: row.credential_source };
}

/** The key of a `usage_org_daily` row. */
function orgDailyDimensions(row: StoredEvent & { org_id: string }) {
  return { org_id: row.org_id, day: row.day, user_id: row.user_id, provider: row.provider, model: row.model, org_key: row.org_key };
}

/** The key of a `usage_key_daily` row. */
function keyDailyDimensions(row: StoredEvent & { key_id: string }) {
  return { key_id: row.key_id, day: row.day, model: row.model };
}

/** Sums the rows per aggregate key (`dimensionsOf`), one increment per key. */
function aggregate<Row extends StoredEvent, Key extends Record<string, string | boolean>>(rows: Row[], dimensionsOf: (row: Row) => Key): Array<Key & UsageSumIncrement> {
  const byKey = new Map<string, Key & UsageSumIncrement & { lastMs: number }>();
  for (const row of rows) {
    const dimensions = dimensionsOf(row);
    const key = JSON.stringify(Object.values(dimensions));
    let sum = byKey.get(key);
    if (sum === undefined) {
      sum = { ...dimensions, calls: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cost_micro: 0, credits_micro: 0, last_used_at: row.occurred_at, lastMs: row.occurred_at_ms };
      byKey.set(key, sum);
    }
    sum.calls += 1;
    sum.errors += row.status_code >= 400 ? 1 : 0;
    sum.prompt_tokens += row.prompt_tokens;
    sum.completion_tokens += row.completion_tokens;
    sum.cost_micro += row.cost_micro;
    sum.credits_micro += row.credits_micro;
    if (row.occurred_at_ms > sum.lastMs) {
      sum.lastMs = row.occurred_at_ms;
      sum.last_used_at = row.occurred_at;
    }
  }
  return [...byKey.values()].map(({ lastMs: _ms, ...increment }) => {
    // Doubles stay exact up to 2^53; past that a sum would be silently wrong, so refuse the batch.
    for (const value of [increment.prompt_tokens, increment.completion_tokens, increment.cost_micro, increment.credits_micro]) {
      if (!Number.isSafeInteger(value)) throw new RangeError('usage batch sum exceeds the exact integer range');
    }
    return increment as unknown as Key & UsageSumIncrement;
  });
}

const SUMMED_COLUMNS = ['calls', 'errors', 'prompt_tokens', 'completion_tokens', 'cost_micro', 'credits_micro'] as const;

/** The upsert's SET list: every sum adds the increment, `last_used_at` keeps the later instant. */
function additiveUpdate(alias: string): string {
  return [...SUMMED_COLUMNS.map((c) => `${c} = ${alias}.${c} + EXCLUDED.${c}`), `last_used_at = GREATEST(${alias}.last_used_at, EXCLUDED.last_used_at)`].join(', ');
}

/**
 * One statement adds the batch to `usage_daily` and to its per-platform rollup
 * `usage_platform_daily` (summed over users and models, for the admin report), both in key order
 * (see the deadlock note on applyUsageEvents).
 */
async function upsertDaily(em: EntityManager, increments: Array<ReturnType<typeof dailyDimensions> & UsageSumIncrement>): Promise<void> {
  await executeBound(
    em,
    `WITH i AS (
       SELECT * FROM json_to_recordset(?::json) AS i(user_id text, day date, provider text, model text, credential_source text, calls bigint,
            errors bigint, prompt_tokens bigint, completion_tokens bigint, cost_micro bigint, credits_micro bigint, last_used_at timestamptz)
     ),
     daily AS (
       INSERT INTO usage_daily AS d (user_id, day, provider, model, credential_source, calls, errors, prompt_tokens, completion_tokens,
                                     cost_micro, credits_micro, last_used_at)
       SELECT user_id, day, provider, model, credential_source, calls, errors, prompt_tokens, completion_tokens, cost_micro, credits_micro, last_used_at
       FROM i ORDER BY user_id, day, provider, model, credential_source
       ON CONFLICT (user_id, day, provider, model, credential_source) DO UPDATE SET ${additiveUpdate('d')}
       RETURNING 1
     )
     INSERT INTO usage_platform_daily AS p (day, provider, credential_source, calls, errors, prompt_tokens, completion_tokens, cost_micro,
                                            credits_micro, last_used_at)
     SELECT day, provider, credential_source, sum(calls), sum(errors), sum(prompt_tokens), sum(completion_tokens), sum(cost_micro),
            sum(credits_micro), max(last_used_at)
     FROM i GROUP BY day, provider, credential_source ORDER BY day, provider, credential_source
     ON CONFLICT (day, provider, credential_source) DO UPDATE SET ${additiveUpdate('p')}`,
    [JSON.stringify(increments)],
  );
}

/**
 * Adds the batch's organization traffic to `usage_org_daily`, in key order (see the deadlock note
 * on applyUsageEvents). The member's own `usage_daily` rows count the same requests: this rollup
 * is the organization's view of them, not a second charge.
 */
async function upsertOrgDaily(em: EntityManager, increments: Array<ReturnType<typeof orgDailyDimensions> & UsageSumIncrement>): Promise<void> {
  await executeBound(
    em,
    `INSERT INTO usage_org_daily AS o (org_id, day, user_id, provider, model, org_key, calls, errors, prompt_tokens, completion_tokens,
                                       cost_micro, credits_micro, last_used_at)
     SELECT org_id, day, user_id, provider, model, org_key, calls, errors, prompt_tokens, completion_tokens, cost_micro, credits_micro, last_used_at
     FROM json_to_recordset(?::json) AS i(org_id uuid, day date, user_id text, provider text, model text, org_key boolean, calls bigint,
          errors bigint, prompt_tokens bigint, completion_tokens bigint, cost_micro bigint, credits_micro bigint, last_used_at timestamptz)
     ORDER BY org_id, day, user_id, provider, model, org_key
     ON CONFLICT (org_id, day, user_id, provider, model, org_key) DO UPDATE SET ${additiveUpdate('o')}`,
    [JSON.stringify(increments)],
  );
}

/** Adds the batch's requests to `usage_key_daily` per key that answered them, in key order (see the deadlock note on applyUsageEvents). */
async function upsertKeyDaily(em: EntityManager, increments: Array<ReturnType<typeof keyDailyDimensions> & UsageSumIncrement>): Promise<void> {
  await executeBound(
    em,
    `INSERT INTO usage_key_daily AS k (key_id, day, model, calls, errors, prompt_tokens, completion_tokens, cost_micro, credits_micro, last_used_at)
     SELECT key_id, day, model, calls, errors, prompt_tokens, completion_tokens, cost_micro, credits_micro, last_used_at
     FROM json_to_recordset(?::json) AS i(key_id uuid, day date, model text, calls bigint, errors bigint, prompt_tokens bigint,
          completion_tokens bigint, cost_micro bigint, credits_micro bigint, last_used_at timestamptz)
     ORDER BY key_id, day, model
     ON CONFLICT (key_id, day, model) DO UPDATE SET ${additiveUpdate('k')}`,
    [JSON.stringify(increments)],
  );
}

/**
 * Debits the new system events in one statement: per user the balance moves once by the batch's
 * total, and each request gets its own ledger charge whose `balance_after_micro` is the running
 * balance in batch order. A request id already in the ledger (charged some other way, or an event
 * pruned from `usage_events` and redelivered long after) is skipped, so a request is never
 * debited twice even outside the raw-event retention window.
 */
async function chargeSystemEvents(em: EntityManager, fresh: StoredEvent[]): Promise<number> {
  const charges = fresh
    .filter((row) => row.credential_source === 'system' && row.credits_micro > 0)
    .map((row, ord) => ({ user_id: row.user_id, request_id: row.request_id, amount: row.credits_micro, ord, provider: row.provider, model: row.model, estimated: row.estimated }));
  if (charges.length === 0) return 0;
  const rows = await executeBound<{ total: string | null }>(
    em,
    `WITH c AS (
       SELECT x.* FROM json_to_recordset(?::json) AS x(user_id text, request_id text, amount bigint, ord integer, provider text, model text, estimated boolean)
       WHERE NOT EXISTS (SELECT 1 FROM credit_ledger l WHERE l.request_id = x.request_id)
     ),
     t AS (SELECT user_id, sum(amount)::bigint AS total FROM c GROUP BY user_id),
     a AS (
       INSERT INTO credit_accounts AS acc (user_id, balance_micro)
       SELECT user_id, -total FROM t ORDER BY user_id
       ON CONFLICT (user_id) DO UPDATE SET balance_micro = acc.balance_micro + EXCLUDED.balance_micro, updated_at = now()
       RETURNING acc.user_id, acc.balance_micro
     ),
     l AS (
       INSERT INTO credit_ledger (user_id, kind, amount_micro, balance_after_micro, request_id, details)
       SELECT c.user_id, 'charge', -c.amount,
              a.balance_micro + t.total - sum(c.amount) OVER (PARTITION BY c.user_id ORDER BY c.ord),
              c.request_id, jsonb_build_object('source', 'usage', 'provider', c.provider, 'model', c.model)
                || CASE WHEN c.estimated THEN '{"estimated": true}'::jsonb ELSE '{}'::jsonb END
       FROM c JOIN t ON t.user_id = c.user_id JOIN a ON a.user_id = c.user_id
       ORDER BY c.user_id, c.ord
       RETURNING amount_micro
     )
     SELECT (-sum(amount_micro))::text AS total FROM l`,
    [JSON.stringify(charges)],
  );
  return Number(rows[0]?.total ?? 0);
}

/**
 * Deletes raw events that occurred before `olderThan`, `batchSize` rows per statement (each its
 * own short transaction when `em` is not inside one), until none are left. `usage_daily` and the
 * ledger are untouched. Returns how many rows were deleted.
 *
 * The raw events are also the dedupe record: an event redelivered after its row was pruned would
 * be counted into `usage_daily` again (never charged again: the ledger keeps its request id). Keep
 * the retention longer than any job can stay in the queue.
 */
export async function pruneUsageEvents(em: EntityManager, olderThan: Date, batchSize: number): Promise<number> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  let deleted = 0;
  for (;;) {
    const rows = await em.execute<Array<{ n: number }>>(
      `WITH gone AS (
         DELETE FROM usage_events WHERE request_id IN (
           SELECT request_id FROM usage_events WHERE occurred_at < ? ORDER BY occurred_at LIMIT ?
         ) RETURNING 1
       )
       SELECT count(*)::int AS n FROM gone`,
      [olderThan.toISOString(), batchSize],
    );
    const n = rows[0]?.n ?? 0;
    deleted += n;
    if (n < batchSize) return deleted;
  }
}
