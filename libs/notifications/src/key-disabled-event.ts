import { keyEventDraft, type KeyRef } from './key-events.js';
import type { NotificationDraft } from './outbox/emit.js';

/** Why a key was switched off without its owner: an administrator, a used-up `disable_key` budget, or a spend anomaly's freeze. */
export type KeyDisableCause =
  | { kind: 'admin'; reason: string | null }
  | { kind: 'budget_exceeded'; budgetId: string; budgetName: string; periodId: string; resetsAt: string }
  | { kind: 'spend_anomaly'; hourStart: string; hourEnd: string };

interface Telling {
  /** Completes "Your <key> key was disabled by the service: …". */
  reason: string;
  action: string;
  details: Record<string, unknown>;
}

function tellingOf(cause: KeyDisableCause): Telling {
  switch (cause.kind) {
    case 'admin':
      return {
        reason: cause.reason === null ? 'an administrator disabled it' : `an administrator disabled it (${cause.reason})`,
        action: 'Read the reason, fix the key, and ask an administrator to enable it again: only an administrator can.',
        details: { cause: 'admin', adminReason: cause.reason },
      };
    case 'budget_exceeded':
      return {
        reason: `its ${cause.budgetName.toLowerCase()} was used up; the key is enabled again when the budget resets at ${cause.resetsAt}`,
        action: 'Raise the budget if the use is expected, then enable the key; otherwise find what is spending through it before the reset.',
        details: { cause: 'budget_exceeded', budgetId: cause.budgetId, periodId: cause.periodId, resetsAt: cause.resetsAt },
      };
    case 'spend_anomaly':
      return {
        reason: `your requests between ${cause.hourStart.slice(11, 16)} and ${cause.hourEnd.slice(11, 16)} UTC cost far more than usual`,
        action: 'Find what sent the requests (a leaked gateway token, a runaway script), stop it, then enable the key again.',
        details: { cause: 'spend_anomaly', hourStart: cause.hourStart, hourEnd: cause.hourEnd },
      };
  }
}

/** `key_auto_disabled` for a key the owner did not switch off: says who or what did, why, and what to do. */
export function keyAutoDisabledDraft(key: KeyRef, cause: KeyDisableCause): NotificationDraft {
  const { reason, action, details } = tellingOf(cause);
  // One notice per cause and hour: a budget's disable must not hide an admin's or a freeze's that follows it.
  return keyEventDraft('key_auto_disabled', key, { details: { reason, ...details }, action, dedupeScope: cause.kind });
}
