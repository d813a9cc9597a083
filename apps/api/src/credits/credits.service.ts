import { appendAudit, applyCreditChange, getCreditBalanceMicro, listLedger, type AuditEntry, type EntityManager, type LedgerEntry } from '@byok/db';
import { AppError } from '@byok/http';
import { decimalToMicro, microToDecimal } from '../usage/money.js';
import type { CreditsView, GrantResult, LedgerEntryView } from './credits.schemas.js';

export interface CreditsServiceDependencies {
  /** How many ledger entries the balance view carries. */
  recentLedgerEntries: number;
}

/** Who grants, as the audit record names them. */
export type GrantActor = Pick<AuditEntry, 'actorId' | 'actorType' | 'requestId' | 'ip' | 'userAgent'>;

export interface GrantInput {
  userId: string;
  /** Credits as the caller sent them; converted to micro-credits exactly. */
  amount: number;
  reason: string;
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
     * without its record (or the reverse) can never be committed.
     */
    async grant(em: EntityManager, actor: GrantActor, input: GrantInput): Promise<GrantResult> {
      const amountMicro = decimalToMicro(input.amount);
      if (amountMicro === null || amountMicro <= 0) {
        throw new AppError('validation_failed', 'body/amount: must be more than 0 with at most six decimals', {
          details: [{ path: 'body/amount', message: 'must be more than 0 with at most six decimals' }],
        });
      }
      const { balanceAfterMicro } = await em.transactional(async (tx) => {
        const changed = await applyCreditChange(tx, { userId: input.userId, kind: 'grant', amountMicro, actorId: actor.actorId, details: { reason: input.reason } });
        // Without a request id the change is never deduplicated, so it always applies.
        if (!changed) throw new Error('credit grant was not applied');
        await appendAudit(tx, {
          ...actor,
          action: 'credits.granted',
          subjectUserId: input.userId,
          details: { amount_micro: amountMicro, balance_after_micro: changed.balanceAfterMicro, reason: input.reason },
        });
        return changed;
      });
      return {
        user_id: input.userId,
        granted_micro: amountMicro,
        granted: microToDecimal(amountMicro),
        balance_micro: balanceAfterMicro,
        balance: microToDecimal(balanceAfterMicro),
      };
    },
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
