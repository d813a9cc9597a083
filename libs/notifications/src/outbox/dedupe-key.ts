import type { NotificationEventType, NotificationSubject } from '../event.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * How long one notification stands for its kind and subject: a second event of the same type about
 * the same subject within the same period is dropped ("the same key turning invalid twice in an
 * hour notifies once"). Periods are fixed buckets of the clock (hour 10:00–11:00, and so on), so the
 * rule holds per bucket: two events a minute apart across a bucket boundary both notify.
 * `null`: every event notifies (the dedupe key is then the event's own id). `'once'`: the scope alone
 * decides, with no period (a reminder names its threshold and date in its scope).
 */
export const DEDUPE_PERIOD_MS: Record<NotificationEventType, number | 'once' | null> = {
  key_invalid: HOUR_MS,
  key_no_credit: HOUR_MS,
  key_recovered: HOUR_MS,
  key_circuit_open: HOUR_MS,
  key_auto_disabled: HOUR_MS,
  // Once per threshold (14, 7, 1 days) and expiry date, which the scan puts in the scope.
  key_expiring: 'once',
  // Every 30 days while the key text stays older than the reminder age (the scope names the version).
  key_rotation_due: 30 * DAY_MS,
  // Once per budget, threshold and period: the scan puts the period's id (and the threshold) in the
  // scope, so a monthly budget's 80 % is told once a month, not once a day.
  budget_threshold: 'once',
  budget_exceeded: 'once',
  // Once per user and anomalous hour, which the scan puts in the scope.
  spend_anomaly: DAY_MS,
  test: null,
};

/**
 * The longest dedupe period: dispatched outbox rows are kept at least this long. (`once` reminders
 * and budget periods — a month at most — are about dates that have passed by then, so no scan
 * can match them again.)
 */
export const LONGEST_DEDUPE_PERIOD_MS = Math.max(...Object.values(DEDUPE_PERIOD_MS).filter((ms): ms is number => typeof ms === 'number'));

export function subjectKey(subject: NotificationSubject): string {
  switch (subject.kind) {
    case 'key':
      return `key:${subject.keyId}`;
    case 'budget':
      return `budget:${subject.budgetId}`;
    case 'account':
      return 'account';
  }
}

export interface DedupeInput {
  id: string;
  type: NotificationEventType;
  userId: string;
  subject: NotificationSubject;
  occurredAt: string;
  /** Narrows the rule within the subject, e.g. `14d:<expires_at>` for one expiry reminder. */
  scope?: string;
}

/**
 * `<type>:<user>:<subject>[:<scope>]:<period>@<bucket>`, unique in `notification_outbox`. The user is
 * part of it so that one user's events can never suppress another's.
 */
export function dedupeKeyFor(input: DedupeInput): string {
  const periodMs = DEDUPE_PERIOD_MS[input.type];
  if (periodMs === null) return `${input.type}:event:${input.id}`;
  if (periodMs === 'once') return `${input.type}:${input.userId}:${subjectKey(input.subject)}:${input.scope ?? ''}:once`;
  const bucket = Math.floor(Date.parse(input.occurredAt) / periodMs);
  const scope = input.scope === undefined ? '' : `:${input.scope}`;
  return `${input.type}:${input.userId}:${subjectKey(input.subject)}${scope}:${periodMs}@${bucket}`;
}
