import Type, { type Static } from 'typebox';
import { PROVIDER_IDS } from '@byok/providers';

const ProviderIdSchema = Type.Enum(PROVIDER_IDS);

/** A request to test one stored key. Ids only: the worker loads and decrypts the key itself. */
export const KeyTestJobSchema = Type.Object(
  {
    keyId: Type.String({ format: 'uuid' }),
    keyVersion: Type.Integer({ minimum: 1 }),
    userId: Type.String({ minLength: 1, maxLength: 255 }),
    provider: ProviderIdSchema,
    // `candidate`: a replacement staged beside the current key (`POST /keys?test_first=true`), swapped in only if it passes.
    reason: Type.Union([Type.Literal('added'), Type.Literal('manual'), Type.Literal('scheduled'), Type.Literal('rejected_upstream'), Type.Literal('candidate')]),
    /** Who asked, for the audit record (a user id, or `system`). */
    actorId: Type.String({ minLength: 1, maxLength: 255 }),
    requestId: Type.Optional(Type.String({ maxLength: 128 })),
    /**
     * A random token the producer stamps on each job (`withTestToken`). The worker's audit
     * idempotency key is made of the key id, its version and this token, so it never depends on
     * BullMQ's job ids, which restart at 1 when Redis loses its data. Optional only for jobs
     * enqueued by an older version; those fall back to the job id.
     */
    testToken: Type.Optional(Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);
export type KeyTestJob = Static<typeof KeyTestJobSchema>;

export const CREDENTIAL_SOURCES = ['user_openrouter', 'user_provider', 'system'] as const;
export type CredentialSource = (typeof CREDENTIAL_SOURCES)[number];

/** One upstream attempt of a proxied request (ids and outcome only). */
function UsageAttemptSchema() {
  return Type.Object(
    {
      provider: ProviderIdSchema,
      credentialSource: Type.Enum(CREDENTIAL_SOURCES),
      keyId: Type.Optional(Type.String({ format: 'uuid' })),
      /** The upstream's status; 0 when it never answered. */
      status: Type.Integer({ minimum: 0, maximum: 599 }),
      /** As in the `x-byok-route` receipt, e.g. `429 cooled 2s`, `timeout`, `answered`. */
      outcome: Type.String({ minLength: 1, maxLength: 64 }),
      latencyMs: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  );
}

/** One proxied request, emitted after its response completed. Never carries key material or prompts. */
export const UsageEventSchema = Type.Object(
  {
    requestId: Type.String({ minLength: 1, maxLength: 128 }),
    userId: Type.String({ minLength: 1, maxLength: 255 }),
    provider: ProviderIdSchema,
    model: Type.String({ minLength: 1, maxLength: 200 }),
    credentialSource: Type.Enum(CREDENTIAL_SOURCES),
    keyId: Type.Optional(Type.String({ format: 'uuid' })),
    statusCode: Type.Integer({ minimum: 100, maximum: 599 }),
    stream: Type.Boolean(),
    promptTokens: Type.Integer({ minimum: 0 }),
    completionTokens: Type.Integer({ minimum: 0 }),
    costMicro: Type.Integer({ minimum: 0 }),
    creditsMicro: Type.Integer({ minimum: 0 }),
    latencyMs: Type.Integer({ minimum: 0 }),
    ttfbMs: Type.Optional(Type.Integer({ minimum: 0 })),
    occurredAt: Type.String({ format: 'date-time' }),
    /** Tokens (and so the charge) estimated: the request ended before the upstream reported usage. */
    estimated: Type.Optional(Type.Boolean()),
    /** Set when a budget refused the request (429 \`budget_exceeded\`): the refusing budget's id. Such a request reached no provider and counts in no budget. */
    blockedBudgetId: Type.Optional(Type.String({ format: 'uuid' })),
    /**
     * Every upstream attempt in order, present only when the request failed over (more than one):
     * the failed ones were never charged; the last is the one this event describes.
     */
    attempts: Type.Optional(Type.Array(UsageAttemptSchema(), { minItems: 2, maxItems: 10 })),
    /** The organization the request acted for (`userId` is then the member); absent when it acted for the user alone. */
    orgId: Type.Optional(Type.String({ format: 'uuid' })),
    /** Whether the organization's key (rather than the member's own, or the platform's) served the request; only with `orgId`. */
    orgKey: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UsageEvent = Static<typeof UsageEventSchema>;

/** Most events one usage job carries (a job of this many is about 70 KB of JSON). */
export const MAX_USAGE_BATCH_EVENTS = 500;

/**
 * One job of the usage queue: the events of requests that finished within a few milliseconds of
 * each other on one proxy. A job per request cost the proxy ten times its own work per request
 * (bench/PROXY-NOTES.md); a job per batch spreads BullMQ's cost over the batch. Exactly-once
 * rests on the event's request id (the primary key of `usage_events`), not on the job.
 */
export const UsageBatchSchema = Type.Object(
  { events: Type.Array(UsageEventSchema, { minItems: 1, maxItems: MAX_USAGE_BATCH_EVENTS }) },
  { additionalProperties: false },
);
export type UsageBatch = Static<typeof UsageBatchSchema>;

export const MaintenanceJobSchema = Type.Object(
  {
    task: Type.Union([Type.Literal('revalidate-keys'), Type.Literal('rotate-encryption'), Type.Literal('prune-usage-events'), Type.Literal('backfill-key-hints')]),
    requestedBy: Type.String({ minLength: 1, maxLength: 255 }),
  },
  { additionalProperties: false },
);
export type MaintenanceJob = Static<typeof MaintenanceJobSchema>;

/** Most outbox events one notification job names (one drain of the outbox). */
export const MAX_NOTIFICATION_JOB_EVENTS = 500;

/**
 * Events for the notifier: outbox ids only. The notifier reads each event from the outbox, so a
 * job never carries a key's label, a message or anything else the owner wrote, let alone key text.
 * One job per drained batch rather than per event: BullMQ's own cost per job (about what the page
 * insert of a whole batch costs) would otherwise cap the notifier below its target.
 */
export const NotificationJobSchema = Type.Object(
  { eventIds: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: MAX_NOTIFICATION_JOB_EVENTS }) },
  { additionalProperties: false },
);
export type NotificationJob = Static<typeof NotificationJobSchema>;

/** One webhook delivery to attempt. The id only: the worker loads the body, URL and secret from the delivery row. */
export const WebhookDeliveryJobSchema = Type.Object({ deliveryId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
export type WebhookDeliveryJob = Static<typeof WebhookDeliveryJobSchema>;
