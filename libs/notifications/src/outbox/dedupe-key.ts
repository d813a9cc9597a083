import type { NotificationEventType, NotificationSubject } from '../event.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/**
 * For events whose scope names a date or a period (an expiry reminder's threshold and date, a
 * budget's period): longer than any such period (a month), so the scope alone decides.
 */
const ONCE_MS = 35 * DAY_MS;

/**
 * How long one notification stands for its kind, subject and scope: another event with the same
 * dedupe key is dropped until this long after the one that notified ("the same key turning
 * invalid twice in an hour notifies once"). The window slides: it starts at the event that
 * notified, whatever the clock says, so 10:59 and 11:01 notify once. `null`: every event notifies.
 */
export const DEDUPE_PERIOD_MS: Record<NotificationEventType, number | null> = {
  key_invalid: HOUR_MS,
  key_no_credit: HOUR_MS,
  key_recovered: HOUR_MS,
  key_circuit_open: HOUR_MS,
  key_auto_disabled: HOUR_MS,
  // Once per threshold (14, 7, 1 days) and expiry date, which the scan puts in the scope.
  key_expiring: ONCE_MS,
  // Every 30 days while the key text stays older than the reminder age (the scope names the version).
  key_rotation_due: 30 * DAY_MS,
  // Once per budget, threshold and period: the scan puts the period's id (and the threshold) in the
  // scope, so a monthly budget's 80 % is told once a month, not once a day.
  budget_threshold: ONCE_MS,
  budget_exceeded: ONCE_MS,
  // Once per user and anomalous hour, which the scan puts in the scope.
  spend_anomaly: DAY_MS,
  test: null,
};

/** The longest dedupe window: dispatched outbox rows are kept at least this long. */
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
  /** Narrows the rule within the subject, e.g. `14d:<expires_at>` for one expiry reminder. */
  scope?: string;
}

/** An event's dedupe key, and how long from its `occurredAt` it stands for that key (null: it stands for nothing). */
export interface DedupeRule {
  key: string;
  windowMs: number | null;
}

/**
 * `<type>:<user>:<subject>[:<scope>]` (the event's own id for events that always notify). The user
 * is part of it so that one user's events can never suppress another's. The window is claimed in
 * `notification_dedupe` by the statement that writes the event (see `claimNotificationDedupeSql`).
 */
export function dedupeRuleFor(input: DedupeInput): DedupeRule {
  const windowMs = DEDUPE_PERIOD_MS[input.type];
  if (windowMs === null) return { key: `${input.type}:event:${input.id}`, windowMs };
  const scope = input.scope === undefined ? '' : `:${input.scope}`;
  return { key: `${input.type}:${input.userId}:${subjectKey(input.subject)}${scope}`, windowMs };
}
