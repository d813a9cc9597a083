import { orgIdOfKeyOwner } from '@byok/db';
import type { NotificationEventType } from './event.js';
import type { NotificationDraft } from './outbox/emit.js';

/** The key an event is about: never its text, only what the owner recognises it by. */
export interface KeyRef {
  keyId: string;
  userId: string;
  provider: string;
  label: string | null;
}

export type KeyEventType = Extract<NotificationEventType, `key_${string}`>;

interface KeyEventText {
  title: (name: string) => string;
  message: (name: string, details: Record<string, unknown>) => string;
  action: string;
}

const TEXT: Record<KeyEventType, KeyEventText> = {
  key_invalid: {
    title: (name) => `${name} key is invalid`,
    message: (name) => `The provider refused your ${name} key. Requests that need it are skipped until it is replaced.`,
    action: 'Replace the key with a valid one, or delete it.',
  },
  key_no_credit: {
    title: (name) => `${name} key is out of credit`,
    message: (name) => `Your ${name} key is valid but its account has no credit left, so requests that need it fail.`,
    action: "Add credit in the provider's billing page, then test the key again.",
  },
  key_recovered: {
    title: (name) => `${name} key works again`,
    message: (name) => `Your ${name} key passed its test and is used for requests again.`,
    action: 'Nothing to do.',
  },
  key_circuit_open: {
    title: (name) => `${name} key keeps failing`,
    message: (name, d) => `Requests with your ${name} key have failed for ${typeof d.failingForS === 'number' ? `${Math.round(d.failingForS / 60)} minutes` : 'a while'}; it is rested between attempts.`,
    action: "Check the provider's status page and your key's limits; test the key once the provider answers again.",
  },
  key_auto_disabled: {
    title: (name) => `${name} key was disabled`,
    message: (name, d) => `Your ${name} key was disabled by the service${typeof d.reason === 'string' && d.reason ? `: ${d.reason}` : ''}. It is not used until it is enabled again.`,
    action: 'Read the reason, fix the key, and ask an administrator to enable it if needed.',
  },
  key_expiring: {
    title: (name) => `${name} key expires soon`,
    message: (name, d) => `Your ${name} key expires ${typeof d.expiresAt === 'string' ? `on ${d.expiresAt.slice(0, 10)}` : 'soon'}${typeof d.daysLeft === 'number' ? ` (in ${d.daysLeft} day${d.daysLeft === 1 ? '' : 's'} or less)` : ''}.`,
    action: 'Create a new key at the provider and replace this one before it expires.',
  },
  key_rotation_due: {
    title: (name) => `${name} key is due for rotation`,
    message: (name, d) => `Your ${name} key has been in use for ${typeof d.ageDays === 'number' ? `${d.ageDays} days` : 'a long time'}.`,
    action: 'Create a new key at the provider, replace this one, then revoke the old key at the provider.',
  },
};

/**
 * Where the page shows the key: its row (`#key-<id>`) among its owner's keys, on the keys page for
 * a user's key and on the organization's keys tab for an org key (owner `org:<id>`).
 */
export function keyLink(key: Pick<KeyRef, 'keyId' | 'userId'>): string {
  const orgId = orgIdOfKeyOwner(key.userId);
  const page = orgId === null ? '/account/api-keys' : `/account/orgs/${orgId}/keys`;
  return `${page}#key-${encodeURIComponent(key.keyId)}`;
}

/** The owner-facing draft of an event about one key: title, message and what to do, never key text. */
export function keyEventDraft(
  type: KeyEventType,
  key: KeyRef,
  options: { details?: Record<string, unknown>; occurredAt?: string; dedupeScope?: string; action?: string } = {},
): NotificationDraft {
  const text = TEXT[type];
  const label = key.label ?? '';
  const name = label ? `${key.provider} (${label})` : key.provider;
  const details = options.details ?? {};
  return {
    type,
    userId: key.userId,
    subject: { kind: 'key', keyId: key.keyId, provider: key.provider, label },
    title: text.title(name),
    message: text.message(name, details),
    // A cause-specific "what to do" (see key-disabled-event.ts) replaces the type's general one.
    action: options.action ?? text.action,
    link: keyLink(key),
    ...(options.details ? { details } : {}),
    ...(options.occurredAt ? { occurredAt: options.occurredAt } : {}),
    ...(options.dedupeScope ? { dedupeScope: options.dedupeScope } : {}),
  };
}

/**
 * The event a key-test verdict implies, given the outcome of the key's previous test
 * (`metadata.validation.outcome`, which marking a key `testing` leaves alone, so a retried job sees
 * the same "before" as its first attempt): `key_invalid` or `key_no_credit` when the key turned so,
 * `key_recovered` when it passes after either; nothing for a repeat of the same verdict or for a
 * provider error (failing keys are `key_circuit_open`'s business).
 */
export function verdictEventType(previousOutcome: string | null, outcome: string): KeyEventType | null {
  if (outcome === 'no_credit') return previousOutcome === 'no_credit' ? null : 'key_no_credit';
  if (outcome === 'invalid') return previousOutcome === 'invalid' ? null : 'key_invalid';
  if (outcome === 'valid') return previousOutcome === 'invalid' || previousOutcome === 'no_credit' ? 'key_recovered' : null;
  return null;
}
