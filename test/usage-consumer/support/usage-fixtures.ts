import type { UsageEvent } from '@byok/queues';
import type { TestDatabase } from '../../support/test-database.js';

/** A valid usage event; fields default to a successful system request and can be overridden. */
export function makeEvent(overrides: Partial<UsageEvent> & Pick<UsageEvent, 'requestId'>): UsageEvent {
  return {
    userId: 'user-a',
    provider: 'openai',
    model: 'gpt-4o-mini',
    credentialSource: 'system',
    statusCode: 200,
    stream: false,
    promptTokens: 10,
    completionTokens: 20,
    costMicro: 100,
    creditsMicro: 120,
    latencyMs: 50,
    occurredAt: '2026-11-27T10:00:00.000Z',
    ...overrides,
  };
}

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];
const MODELS: Array<Pick<UsageEvent, 'provider' | 'model'>> = [
  { provider: 'openai', model: 'gpt-4o-mini' },
  { provider: 'anthropic', model: 'claude-3-5-haiku' },
  { provider: 'openrouter', model: 'meta-llama/llama-3.3-70b-instruct' },
  { provider: 'groq', model: 'llama-3.1-8b-instant' },
];
const SOURCES: Array<UsageEvent['credentialSource']> = ['system', 'user_provider', 'user_openrouter'];

/** `count` distinct, deterministic events spread over users, models, sources, three UTC days and some errors. */
export function makeEvents(count: number, label: string): UsageEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const source = SOURCES[i % SOURCES.length] ?? 'system';
    const model = MODELS[(i >> 1) % MODELS.length] ?? { provider: 'openai', model: 'gpt-4o-mini' };
    const day = 25 + (i % 3);
    return makeEvent({
      requestId: `${label}-${i}`,
      userId: USERS[i % USERS.length] ?? 'u1',
      ...model,
      credentialSource: source,
      statusCode: i % 11 === 0 ? 502 : 200,
      promptTokens: i % 97,
      completionTokens: (i * 7) % 53,
      costMicro: (i * 13) % 1000,
      creditsMicro: source === 'system' ? (i * 17) % 1200 : 0,
      occurredAt: new Date(Date.UTC(2026, 10, day, i % 24, i % 60, i % 60, i % 1000)).toISOString(),
    });
  });
}

/** One `usage_daily` row in a comparable form. */
export interface DailyRow {
  user_id: string;
  day: string;
  provider: string;
  model: string;
  credential_source: string;
  calls: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micro: number;
  credits_micro: number;
  last_used_at: string;
}

/** The aggregates the consumer must produce for a list of events: duplicates count once, first wins. */
export function expectedDaily(events: UsageEvent[]): DailyRow[] {
  const seen = new Set<string>();
  const rows = new Map<string, DailyRow>();
  for (const e of events) {
    if (seen.has(e.requestId)) continue;
    seen.add(e.requestId);
    const at = new Date(e.occurredAt);
    const day = at.toISOString().slice(0, 10);
    const key = [e.userId, day, e.provider, e.model, e.credentialSource].join('\u0000');
    const row = rows.get(key) ?? { user_id: e.userId, day, provider: e.provider, model: e.model, credential_source: e.credentialSource, calls: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cost_micro: 0, credits_micro: 0, last_used_at: at.toISOString() };
    row.calls += 1;
    row.errors += e.statusCode >= 400 ? 1 : 0;
    row.prompt_tokens += e.promptTokens;
    row.completion_tokens += e.completionTokens;
    row.cost_micro += e.costMicro;
    row.credits_micro += e.credentialSource === 'system' ? e.creditsMicro : 0;
    if (at.toISOString() > row.last_used_at) row.last_used_at = at.toISOString();
    rows.set(key, row);
  }
  return sortRows([...rows.values()]);
}

/** What the system events among `events` must debit per user (distinct request ids, first wins). */
export function expectedDebits(events: UsageEvent[]): Map<string, number> {
  const seen = new Set<string>();
  const debits = new Map<string, number>();
  for (const e of events) {
    if (seen.has(e.requestId)) continue;
    seen.add(e.requestId);
    if (e.credentialSource === 'system' && e.creditsMicro > 0) debits.set(e.userId, (debits.get(e.userId) ?? 0) + e.creditsMicro);
  }
  return debits;
}

export async function readDaily(db: TestDatabase): Promise<DailyRow[]> {
  const rows = await db.sql<Omit<DailyRow, 'last_used_at'> & { last_used_at: Date }>(
    `SELECT user_id, to_char(day, 'YYYY-MM-DD') AS day, provider, model, credential_source, calls::float8 AS calls, errors::float8 AS errors,
            prompt_tokens::float8 AS prompt_tokens, completion_tokens::float8 AS completion_tokens, cost_micro::float8 AS cost_micro,
            credits_micro::float8 AS credits_micro, last_used_at FROM usage_daily`,
  );
  return sortRows(rows.map((r) => ({ ...r, last_used_at: r.last_used_at.toISOString() })));
}

/** Balance and ledger of every user: `balance` from credit_accounts, `debited` and `charges` from the ledger. */
export async function readCredits(db: TestDatabase): Promise<Map<string, { balance: number; debited: number; charges: number }>> {
  const rows = await db.sql<{ user_id: string; balance: number; debited: number; charges: number }>(
    `SELECT a.user_id, a.balance_micro::float8 AS balance,
            coalesce((SELECT -sum(amount_micro) FROM credit_ledger l WHERE l.user_id = a.user_id AND kind = 'charge'), 0)::float8 AS debited,
            (SELECT count(*) FROM credit_ledger l WHERE l.user_id = a.user_id AND kind = 'charge')::int AS charges
     FROM credit_accounts a`,
  );
  return new Map(rows.map((r) => [r.user_id, { balance: r.balance, debited: r.debited, charges: r.charges }]));
}

function sortRows(rows: DailyRow[]): DailyRow[] {
  const key = (r: DailyRow) => [r.user_id, r.day, r.provider, r.model, r.credential_source].join('\u0000');
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
