import Type, { type Static } from 'typebox';
import { PROVIDER_IDS } from '@byok/providers';

/** The largest page a client may ask for; exports stream past it in pages of their own. */
export const MAX_AUDIT_PAGE = 500;
export const DEFAULT_AUDIT_PAGE = 50;

export const AuditQuery = Type.Object(
  {
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Admins only: records whose subject is this user. Anyone else gets 403 for it.' })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Exact action, e.g. key.created, key.deleted, credits.granted.' })),
    provider: Type.Optional(Type.Enum(PROVIDER_IDS, { description: 'Records about this provider.' })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Records that occurred at or after this instant (RFC 3339 with a time zone).' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Records that occurred before this instant (exclusive).' })),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_AUDIT_PAGE,
        description: `Records per page, default ${DEFAULT_AUDIT_PAGE}. With format csv or jsonl it caps the whole export instead; without it the export holds every matching record.`,
      }),
    ),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Opaque: the `next_cursor` of the previous page, from the same filters (also accepted by exports, to resume). A cursor from a read without `from`/`to` does not continue one with them, nor the reverse (400).' }),
    ),
    format: Type.Optional(
      Type.Enum(['json', 'csv', 'jsonl'], { description: 'json pages; csv and jsonl stream every matching record (also chosen by `Accept: text/csv` or `application/x-ndjson`).' }),
    ),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

const Nullable = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

export const AuditRecordView = Type.Object({
  id: Type.String({ description: 'Decimal id; records are ordered by it, newest first.' }),
  occurred_at: Type.String({ format: 'date-time' }),
  actor_id: Type.String({ description: 'Who acted: a user id, an admin id, or `system`.' }),
  actor_type: Type.Enum(['user', 'admin', 'system']),
  action: Type.String(),
  subject_user_id: Type.String({ description: 'Whose key or account the record is about.' }),
  provider: Nullable('The provider of the key concerned, if any.'),
  key_id: Nullable('The key concerned, if any.'),
  request_id: Nullable('The API request or job that acted.'),
  trace_id: Nullable('OpenTelemetry trace id.'),
  ip: Nullable('Client address of the actor. Shown to users only for their own actions.'),
  user_agent: Nullable('Client of the actor. Shown to users only for their own actions.'),
  details: Type.Record(Type.String(), Type.Unknown(), { description: 'What changed. Never holds key material.' }),
});
export type AuditRecordView = Static<typeof AuditRecordView>;

export const AuditPageView = Type.Object({
  items: Type.Array(AuditRecordView),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next (older) page; null on the last page.' }),
});
export type AuditPageView = Static<typeof AuditPageView>;

/** Column order of the CSV export (the JSON field names; `details` as JSON text). */
export const AUDIT_COLUMNS = [
  'id',
  'occurred_at',
  'actor_id',
  'actor_type',
  'action',
  'subject_user_id',
  'provider',
  'key_id',
  'request_id',
  'trace_id',
  'ip',
  'user_agent',
  'details',
] as const satisfies ReadonlyArray<keyof AuditRecordView>;

/** The audit query of `/api/v1/audit` without `user`: an organization's trail is read whole (its records name their actor). */
export const OrgAuditQuery = Type.Omit(AuditQuery, ['user'], { additionalProperties: false });
