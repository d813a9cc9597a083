import { NOTIFICATION_EVENT_TYPES, type NotificationEventType } from '../event.js';

export const NOTIFICATION_CHANNELS = ['in_page', 'email', 'webhook'] as const;
export type NotificationChannelName = (typeof NOTIFICATION_CHANNELS)[number];

/** Per event type, whether each channel carries it. */
export type ChannelChoices = Record<NotificationChannelName, boolean>;
export type NotificationPreferences = Record<NotificationEventType, ChannelChoices>;
/** What an owner stored: only the types and channels they set; the rest follow the defaults. */
export type StoredPreferences = Partial<Record<NotificationEventType, Partial<ChannelChoices>>>;

/**
 * Events worth an email by default: the ones that stop requests or cost money. Email goes out only
 * when an address is known from the owner's token, whatever the preferences say.
 */
const EMAIL_BY_DEFAULT: ReadonlySet<NotificationEventType> = new Set(['key_invalid', 'key_no_credit', 'key_auto_disabled', 'budget_threshold', 'budget_exceeded']);

/**
 * The defaults: everything in the page; the events above also by email; webhooks get every event
 * (each webhook still chooses its own events).
 */
export function defaultPreferences(): NotificationPreferences {
  return Object.fromEntries(NOTIFICATION_EVENT_TYPES.map((type) => [type, { in_page: true, email: EMAIL_BY_DEFAULT.has(type), webhook: true }])) as NotificationPreferences;
}

/** The defaults overlaid with what the owner stored; unknown types or channels in storage are ignored. */
export function effectivePreferences(stored: StoredPreferences | null | undefined): NotificationPreferences {
  const result = defaultPreferences();
  if (!stored) return result;
  for (const type of NOTIFICATION_EVENT_TYPES) {
    const choices = stored[type];
    if (!choices) continue;
    for (const channel of NOTIFICATION_CHANNELS) {
      const chosen = choices[channel];
      if (typeof chosen === 'boolean') result[type][channel] = chosen;
    }
  }
  return result;
}

/** Only the choices that differ from the defaults, so a later change of a default reaches owners who never chose. */
export function storedDifferences(preferences: StoredPreferences): StoredPreferences {
  const defaults = defaultPreferences();
  const stored: StoredPreferences = {};
  for (const type of NOTIFICATION_EVENT_TYPES) {
    const choices = preferences[type];
    if (!choices) continue;
    for (const channel of NOTIFICATION_CHANNELS) {
      const chosen = choices[channel];
      if (typeof chosen === 'boolean' && chosen !== defaults[type][channel]) stored[type] = { ...stored[type], [channel]: chosen };
    }
  }
  return stored;
}
