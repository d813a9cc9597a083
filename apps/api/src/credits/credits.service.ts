import { appendAudit, applyCreditChange, DuplicateLedgerRequestError, findLedgerEntryByRequestId, getCreditBalanceMicro, listLedger, type EntityManager, type LedgerEntry } from '@byok/db';
import { AppError } from '@byok/http';
import type { Actor } from '../http/actor.js';
import { requireWellFormed } from '../http/well-formed-input.js';
import { decimalToMicro, microToDecimal } from '../http/money.js';
import { type CreditsView, type GrantResult, type LedgerEntryView, MAX_GRANT_CREDITS } from './credits.schemas.js';

export interface CreditsServiceDependencies {
  /** How many ledger entries the balance view carries. */
  recentLedgerEntries: number;
}

export interface GrantInput {
  userId: string;
  /** Credits as the caller sent them (a number or a decimal string); converted to micro-credits exactly. */
  amount: number | string;
  reason: string;
  /** The client's `Idempotency-Key`: a retried grant with the same key applies once. */
  idempotencyKey?: string;
}

/** A grant's answer, and whether it replays an earlier grant with the same idempotency key. */
export interface GrantOutcome {
  result: GrantResult;
  replayed: boolean;
}

export type CreditsService = ReturnType<typeof createCreditsService>;

/** Credit balances and admin grants. */
export function createCreditsService(deps: CreditsServiceDependencies) {
  return {
    async balance(em: EntityManager, userId: string): Promise<CreditsView> {
      const [balanceMicro, ledger] = await Promise.all([getCreditBalanceMicro(em, userId), listLedger(em, userId, deps.recentLedgerEntries)]);
      return { user_id: userId, balance_micro: balanceMicro, balance: microToDecimal(balanceMicro), ledger: ledger.map(toLedgerView) };
    },

    /**
     * Adds credits and writes the `credits.granted` audit record in one transaction: a grant
     * without its record (or the reverse) can never be committed. With an idempotency key the
     * ledger's unique request id makes a retried grant (sequential or concurrent) apply once; the
     * retry gets the first grant's answer, and a key reused for another grant gets 409.
     */
    async grant(em: EntityManager, actor: Actor, input: GrantInput): Promise<GrantOutcome> {
      requireWellFormed({ 'body/user': input.userId, 'body/reason': input.reason });
      const amountMicro = decimalToMicro(input.amount);
      if (amountMicro === null || amountMicro <= 0 || amountMicro > MAX_GRANT_CREDITS * 1_000_000) {
        const message = `must be more than 0 and at most ${MAX_GRANT_CREDITS}, with at most six decimals`;
        throw new AppError('validation_failed', `body/amount: ${message}`, { details: [{ path: 'body/amount', message }] });
      }
      const requestId = input.idempotencyKey === undefined ? null : `grant:${input.idempotencyKey}`;
      let applied: { balanceAfterMicro: number } | null;
      try {
        applied = await em.transactional(async (tx) => {
          const changed = await applyCreditChange(tx, { userId: input.userId, kind: 'grant', amountMicro, requestId, actorId: actor.actorId, details: { reason: input.reason } });
          if (!changed) return null;
          await appendAudit(tx, {
            ...actor,
            action: 'credits.granted',
            subjectUserId: input.userId,
            details: { amount_micro: amountMicro, balance_after_micro: changed.balanceAfterMicro, reason: input.reason, ...(input.idempotencyKey === undefined ? {} : { idempotency_key: input.idempotencyKey }) },
          });
          return changed;
        });
      } catch (error) {
        // A concurrent retry committed first; this transaction rolled back.
        if (!(error instanceof DuplicateLedgerRequestError)) throw error;
        applied = null;
      }
      if (applied !== null) return { result: grantResult(input.userId, amountMicro, applied.balanceAfterMicro), replayed: false };
      // Null comes back only for a request id already in the ledger, so there is one.
      const earlier = requestId === null ? null : await findLedgerEntryByRequestId(em, requestId);
      if (earlier === null) throw new Error('credit grant was neither applied nor found');
      if (earlier.kind !== 'grant' || earlier.userId !== input.userId || earlier.amountMicro !== amountMicro) {
        throw new AppError('conflict', 'This Idempotency-Key was already used for a different grant');
      }
      return { result: grantResult(input.userId, amountMicro, earlier.balanceAfterMicro), replayed: true };
    },
  };
}

function grantResult(userId: string, amountMicro: number, balanceAfterMicro: number): GrantResult {
  return {
    user_id: userId,
    granted_micro: amountMicro,
    granted: microToDecimal(amountMicro),
    balance_micro: balanceAfterMicro,
    balance: microToDecimal(balanceAfterMicro),
  };
}

function toLedgerView(entry: LedgerEntry): LedgerEntryView {
  return {
    id: entry.id,
    kind: entry.kind,
    amount_micro: entry.amountMicro,
    amount: microToDecimal(entry.amountMicro),
    balance_after_micro: entry.balanceAfterMicro,
    balance_after: microToDecimal(entry.balanceAfterMicro),
    request_id: entry.requestId,
    actor_id: entry.actorId,
    details: entry.details,
    created_at: (entry.createdAt instanceof Date ? entry.createdAt : new Date(entry.createdAt)).toISOString(),
  };
}
