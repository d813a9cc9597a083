/**
 * The one shape every notification travels in, from the outbox row to each channel (page, email,
 * webhook). It names the key by provider and label, never by key text, and always says what to do.
 */
export const NOTIFICATION_EVENT_TYPES = [
  'key_invalid',
  'key_no_credit',
  'key_recovered',
  'key_circuit_open',
  'key_auto_disabled',
  'key_expiring',
  'key_rotation_due',
  'budget_threshold',
  'budget_exceeded',
  'spend_anomaly',
  'test',
] as const;

export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

export type NotificationSubject =
  | { kind: 'key'; keyId: string; provider: string; label: string }
  | { kind: 'budget'; budgetId: string }
  | { kind: 'account' };

export interface NotificationEvent {
  /** The outbox row's id: the idempotency key of every delivery made for this event. */
  id: string;
  type: NotificationEventType;
  /** The owner told about it. */
  userId: string;
  /** When the state changed (ISO 8601). */
  occurredAt: string;
  subject: NotificationSubject;
  title: string;
  message: string;
  /** What the owner should do about it. */
  action: string;
  /** Path in the web page the notification links to, e.g. `/#keys/openai`. */
  link: string;
  details?: Record<string, unknown>;
}
