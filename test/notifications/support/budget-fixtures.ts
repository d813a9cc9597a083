import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '../../support/test-database.js';

export interface BudgetInput {
  ownerId: string;
  scope: 'user' | 'provider' | 'key' | 'org' | 'org_member';
  scopeId?: string | null;
  period?: 'day' | 'week' | 'month';
  timeZone?: string;
  limits: { requests?: number; tokens?: number; spend_micro_usd?: number };
  thresholds?: number[];
  action?: 'block' | 'disable_key' | 'notify';
}

/** A `budgets` row, as the budgets API would store it. */
export async function insertBudget(db: TestDatabase, input: BudgetInput): Promise<string> {
  const rows = await db.sql<{ id: string }>(
    `INSERT INTO budgets (owner_id, scope, scope_id, period, time_zone, limit_requests, limit_tokens, limit_spend_micro_usd, thresholds, action, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $1) RETURNING id`,
    [
      input.ownerId,
      input.scope,
      input.scopeId ?? null,
      input.period ?? 'day',
      input.timeZone ?? 'UTC',
      input.limits.requests ?? null,
      input.limits.tokens ?? null,
      input.limits.spend_micro_usd ?? null,
      input.thresholds ?? [80, 90],
      input.action ?? 'block',
    ],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('budget insert returned nothing');
  return id;
}

export interface UsageInput {
  userId: string;
  at: number;
  provider?: string;
  keyId?: string | null;
  orgId?: string | null;
  costMicro?: number;
  tokens?: number;
  blockedBudgetId?: string | null;
}

/** `usage_events` rows as the usage consumer writes them, one per request; `count` copies of the same one. */
export async function insertUsage(db: TestDatabase, input: UsageInput, count = 1): Promise<void> {
  for (let i = 0; i < count; i++) {
    await db.sql(
      `INSERT INTO usage_events (request_id, user_id, provider, model, credential_source, key_id, org_id, status_code, success, prompt_tokens, completion_tokens, cost_micro, occurred_at, blocked_budget_id)
       VALUES ($1, $2, $3, 'gpt-4o-mini', $4, $5, $6, $7, $8, $9, 0, $10, $11, $12)`,
      [
        `req-${randomUUID()}`,
        input.userId,
        input.provider ?? 'openai',
        input.keyId ? 'byok' : 'platform',
        input.keyId ?? null,
        input.orgId ?? null,
        input.blockedBudgetId ? 429 : 200,
        !input.blockedBudgetId,
        input.tokens ?? 10,
        input.costMicro ?? 100,
        new Date(input.at),
        input.blockedBudgetId ?? null,
      ],
    );
  }
}

/** An organization with members in the given roles. */
export async function insertOrg(db: TestDatabase, members: Record<string, 'owner' | 'admin' | 'member'>): Promise<string> {
  const rows = await db.sql<{ id: string }>(`INSERT INTO byok_orgs (name, created_by) VALUES ('Test org', 'founder') RETURNING id`);
  const orgId = rows[0]?.id;
  if (orgId === undefined) throw new Error('org insert returned nothing');
  for (const [userId, role] of Object.entries(members)) {
    await db.sql('INSERT INTO byok_org_members (org_id, user_id, role) VALUES ($1, $2, $3)', [orgId, userId, role]);
  }
  return orgId;
}

export interface OutboxEvent {
  type: string;
  user_id: string;
  dedupe_key: string;
  payload: { subject: { kind: string; budgetId?: string; keyId?: string }; title: string; message: string; action: string; link: string; details: Record<string, unknown> };
}

/** Outbox events of the given types about one budget (or, without one, every event of those types), oldest first. */
export function outboxEvents(db: TestDatabase, types: string[], budgetId?: string): Promise<OutboxEvent[]> {
  return budgetId === undefined
    ? db.sql<OutboxEvent>('SELECT type, user_id, dedupe_key, payload FROM notification_outbox WHERE type = ANY($1) ORDER BY created_at, user_id, type, dedupe_key', [types])
    : db.sql<OutboxEvent>(
        `SELECT type, user_id, dedupe_key, payload FROM notification_outbox WHERE type = ANY($1) AND payload->'subject'->>'budgetId' = $2 ORDER BY created_at, user_id, type, dedupe_key`,
        [types, budgetId],
      );
}
