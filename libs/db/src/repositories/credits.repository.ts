import type { EntityManager } from '@mikro-orm/postgresql';
import { toDate } from './column-values.js';

/** Credits are integer micro-credits (1e-6); a user without an account has a balance of 0. */
export async function getCreditBalanceMicro(em: EntityManager, userId: string): Promise<number> {
  const rows = await em.execute<Array<{ balance_micro: string }>>('SELECT balance_micro FROM credit_accounts WHERE user_id = ?', [userId]);
  return rows[0] ? Number(rows[0].balance_micro) : 0;
}

export interface LedgerEntry {
  id: string;
  userId: string;
  kind: 'charge' | 'grant';
  amountMicro: number;
  balanceAfterMicro: number;
  requestId: string | null;
  actorId: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Thrown when a concurrent transaction wrote the same request id first: the caller's transaction
 * has already changed the balance and must roll back (let this error leave `transactional`).
 */
export class DuplicateLedgerRequestError extends Error {
  constructor(readonly requestId: string) {
    super('a ledger entry with this request id was committed concurrently');
    this.name = 'DuplicateLedgerRequestError';
  }
}

/**
 * Adds (or, with a negative amount, removes) credits and writes the ledger entry, inside the
 * caller's transaction. The account row is locked by the upsert so concurrent changes serialise.
 * With a `requestId`, a second call for the same request is a no-op (returns null), and losing a
 * race for it throws `DuplicateLedgerRequestError`.
 */
export async function applyCreditChange(
  em: EntityManager,
  input: { userId: string; kind: 'charge' | 'grant'; amountMicro: number; requestId?: string | null; actorId?: string | null; details?: Record<string, unknown> },
): Promise<{ balanceAfterMicro: number } | null> {
  if (input.requestId) {
    const seen = await em.execute<Array<{ id: string }>>('SELECT id FROM credit_ledger WHERE request_id = ?', [input.requestId]);
    if (seen.length > 0) return null;
  }
  const account = await em.execute<Array<{ balance_micro: string }>>(
    `INSERT INTO credit_accounts (user_id, balance_micro) VALUES (?, ?)
     ON CONFLICT (user_id) DO UPDATE SET balance_micro = credit_accounts.balance_micro + EXCLUDED.balance_micro, updated_at = now()
     RETURNING balance_micro`,
    [input.userId, input.amountMicro],
  );
  const balanceAfterMicro = Number(account[0]?.balance_micro ?? 0);
  const inserted = await em.execute<Array<{ id: string }>>(
    `INSERT INTO credit_ledger (user_id, kind, amount_micro, balance_after_micro, request_id, actor_id, details)
     VALUES (?, ?, ?, ?, ?, ?, ?::jsonb) ON CONFLICT (request_id) DO NOTHING RETURNING id`,
    [input.userId, input.kind, input.amountMicro, balanceAfterMicro, input.requestId ?? null, input.actorId ?? null, JSON.stringify(input.details ?? {})],
  );
  if (inserted.length === 0) throw new DuplicateLedgerRequestError(String(input.requestId));
  return { balanceAfterMicro };
}

/** The ledger entry written for a request id, if any. */
export async function findLedgerEntryByRequestId(em: EntityManager, requestId: string): Promise<LedgerEntry | null> {
  const rows = await em.execute<LedgerRow[]>(`SELECT ${LEDGER_COLUMNS} FROM credit_ledger WHERE request_id = ?`, [requestId]);
  return rows[0] ? toLedgerEntry(rows[0]) : null;
}

export async function listLedger(em: EntityManager, userId: string, limit: number): Promise<LedgerEntry[]> {
  const rows = await em.execute<LedgerRow[]>(`SELECT ${LEDGER_COLUMNS} FROM credit_ledger WHERE user_id = ? ORDER BY id DESC LIMIT ?`, [userId, limit]);
  return rows.map(toLedgerEntry);
}

const LEDGER_COLUMNS = 'id, user_id, kind, amount_micro, balance_after_micro, request_id, actor_id, details, created_at';

interface LedgerRow {
  id: string;
  user_id: string;
  kind: 'charge' | 'grant';
  amount_micro: string;
  balance_after_micro: string;
  request_id: string | null;
  actor_id: string | null;
  details: Record<string, unknown>;
  created_at: Date | string;
}

function toLedgerEntry(r: LedgerRow): LedgerEntry {
  return {
    id: r.id,
    userId: r.user_id,
    kind: r.kind,
    amountMicro: Number(r.amount_micro),
    balanceAfterMicro: Number(r.balance_after_micro),
    requestId: r.request_id,
    actorId: r.actor_id,
    details: r.details,
    createdAt: toDate(r.created_at),
  };
}
