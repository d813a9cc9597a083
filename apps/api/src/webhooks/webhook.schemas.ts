import Type, { type Static } from 'typebox';
import { NOTIFICATION_EVENT_TYPES } from '@byok/notifications';
import { DELIVERY_STATUSES, MAX_WEBHOOK_URL_LENGTH } from '@byok/notifications/webhooks';

/** The event types a webhook can subscribe to; `test` events go to a webhook only when asked for. */
export const SUBSCRIBABLE_EVENT_TYPES = NOTIFICATION_EVENT_TYPES.filter((type) => type !== 'test');

const Url = Type.String({
  minLength: 1,
  maxLength: MAX_WEBHOOK_URL_LENGTH,
  description:
    'Where deliveries are POSTed: https (http is accepted outside production), no user name or password, at most 2,048 characters as sent and as stored ' +
    '(normalised: non-ASCII characters and spaces percent-encoded). Unless WEBHOOK_ALLOW_PRIVATE is set, ' +
    'loopback, private, link-local, CGNAT and metadata addresses are refused, here for literal addresses and at every delivery for the address the name resolves to.',
});
const Events = Type.Array(Type.Enum(SUBSCRIBABLE_EVENT_TYPES), {
  minItems: 1,
  maxItems: SUBSCRIBABLE_EVENT_TYPES.length,
  uniqueItems: true,
  description: 'The event types to deliver.',
});

export const CreateWebhookBody = Type.Object({ url: Url, events: Events, enabled: Type.Optional(Type.Boolean({ default: true })) }, { additionalProperties: false });
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  { url: Type.Optional(Url), events: Type.Optional(Events), enabled: Type.Optional(Type.Boolean()) },
  // An empty body is refused by the service after the ownership check, so someone else's webhook is a 404 whatever the body.
  { additionalProperties: false },
);
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const WebhookParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const DeliveryParams = Type.Object({ id: Type.String({ format: 'uuid' }), deliveryId: Type.String({ format: 'uuid' }) });

export const WebhookView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    url: Type.String(),
    events: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Webhook' },
);

export const CreatedWebhookView = Type.Intersect([
  WebhookView,
  Type.Object({
    secret: Type.String({
      pattern: '^whsec_',
      description: 'The signing secret, in this response only: store it now. Deliveries carry `x-byok-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with this string>`.',
    }),
  }),
]);

const Timestamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const DeliveryView = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Also sent as `x-byok-delivery`; the same on every retry and redelivery.' }),
    event_id: Type.String(),
    event_type: Type.String(),
    status: Type.Enum(DELIVERY_STATUSES, { description: '`pending` (queued), `retrying` (an attempt failed; see next_attempt_at), `delivered` (a 2xx), `failed` (refused, or no 2xx within 24 hours).' }),
    attempts: Type.Integer(),
    last_response_code: Type.Union([Type.Integer(), Type.Null()]),
    last_response_excerpt: Type.Union([Type.String({ description: "The first 1 KB of the receiver's last answer." }), Type.Null()]),
    last_error: Type.Union([Type.String(), Type.Null()]),
    last_attempt_at: Timestamp,
    next_attempt_at: Timestamp,
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'WebhookDelivery' },
);

export const DEFAULT_DELIVERY_PAGE = 50;

export const DeliveriesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: `Deliveries per page (default ${DEFAULT_DELIVERY_PAGE}).` })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: '`next_cursor` of the previous page.' })),
  },
  { additionalProperties: false },
);

export const DeliveriesPage = Type.Object({
  deliveries: Type.Array(DeliveryView),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next (older) page; null on the last page.' }),
});
