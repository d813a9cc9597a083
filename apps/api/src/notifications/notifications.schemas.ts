import { NOTIFICATION_CHANNELS, NOTIFICATION_EVENT_TYPES } from '@byok/notifications';
import Type from 'typebox';

const Iso = Type.String({ format: 'date-time' });

const SubjectView = Type.Union(
  [
    Type.Object({ kind: Type.Literal('key'), key_id: Type.String({ format: 'uuid' }), provider: Type.String(), label: Type.String() }),
    Type.Object({ kind: Type.Literal('budget'), budget_id: Type.String() }),
    Type.Object({ kind: Type.Literal('account') }),
  ],
  { description: 'What the notification is about: a key (by provider and label, never its text), a budget, or the account.' },
);

export const NotificationView = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'The event id: the `id` in the body of its webhook deliveries and their `event_id` in the delivery log. (`x-byok-delivery` is the id of the delivery itself, one per webhook.)' }),
    type: Type.Enum(NOTIFICATION_EVENT_TYPES),
    title: Type.String(),
    message: Type.String(),
    action: Type.String({ description: 'What to do about it.' }),
    link: Type.String({
      description:
        'Path in the web page to the subject: a key\'s row (`/account/api-keys#key-<key id>`, `/account/orgs/<org id>/keys#key-<key id>` for an organization\'s key), a budget\'s card (`/account/budgets#budget-<budget id>`), or a page.',
    }),
    subject: SubjectView,
    created_at: Iso,
    read_at: Type.Union([Iso, Type.Null()]),
  },
  { $id: 'Notification' },
);

export const NotificationListQuery = Type.Object(
  {
    unread: Type.Optional(Type.Boolean({ description: 'Only notifications not yet read.' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The `next_cursor` of the previous page.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

export const NotificationList = Type.Object({
  notifications: Type.Array(NotificationView),
  unread_count: Type.Integer({ minimum: 0, description: 'All your unread notifications, not only those on this page.' }),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
});

const ChannelChoices = Type.Object(Object.fromEntries(NOTIFICATION_CHANNELS.map((c) => [c, Type.Boolean()])) as Record<(typeof NOTIFICATION_CHANNELS)[number], ReturnType<typeof Type.Boolean>>, {
  additionalProperties: false,
});
const PartialChannelChoices = Type.Partial(ChannelChoices, { additionalProperties: false, minProperties: 1 });

export const PreferencesView = Type.Object(
  { events: Type.Object(Object.fromEntries(NOTIFICATION_EVENT_TYPES.map((t) => [t, ChannelChoices])) as Record<(typeof NOTIFICATION_EVENT_TYPES)[number], typeof ChannelChoices>) },
  {
    $id: 'NotificationPreferences',
    description:
      'Per event type, which channels carry it. Defaults: every event in the page; key_invalid, key_no_credit, key_auto_disabled and the budget events also by email (sent only when your sign-in token carries an email address); every event to your webhooks (each webhook also picks its events).',
  },
);

export const PreferencesUpdate = Type.Object(
  {
    events: Type.Partial(Type.Object(Object.fromEntries(NOTIFICATION_EVENT_TYPES.map((t) => [t, PartialChannelChoices])) as Record<(typeof NOTIFICATION_EVENT_TYPES)[number], typeof PartialChannelChoices>), {
      additionalProperties: false,
      minProperties: 1,
    }),
  },
  { additionalProperties: false, description: 'The choices to change; event types and channels not named keep theirs.' },
);
