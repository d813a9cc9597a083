import Type, { type Static } from 'typebox';
import { PROVIDER_IDS } from '@byok/providers';

export const ProviderParam = Type.Object({
  provider: Type.String({ minLength: 1, maxLength: 50, description: `One of ${PROVIDER_IDS.join(', ')}.` }),
});

const LABEL_TEXT = "The key's name among your keys for its provider, unique ignoring case (`Work` and `work` are one key). No control characters, no leading or trailing spaces.";
const PRIORITY_TEXT = 'Order among your keys for the provider: lower goes first; keys of equal priority take turns.';
const MODELS_TEXT =
  'The models this key may serve (names or `*` globs, e.g. `["gpt-4o*", "o3-mini"]`); null or absent = any model. Requests for other models skip the key (`model_not_allowed` in the receipt). Sent as anything but null or a JSON list of names (a string, a number, `false`, `[""]`, `[null]`) it is a 400 naming `body/models`, never read as some other list.';

const EXPIRES_TEXT =
  'When the key stops working at the provider (RFC 3339 date-time with a time zone, e.g. `2027-03-01T00:00:00Z`), for reminders 14, 7 and 1 days before (`key_expiring`); it must be in the future; null clears it.';
const keyExpiry = (description: string) => Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description });

/** A key's name among the user's keys for its provider; see key-label.ts for the characters refused. */
const keyLabel = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });
const keyPriority = (description: string) => Type.Integer({ minimum: 1, maximum: 100, description });
export const KeyLabel = keyLabel(LABEL_TEXT);
export const KeyPriority = keyPriority(PRIORITY_TEXT);

export const ModelAllowList = Type.Array(
  Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._:/@+*-]+$', description: 'A model name, or a glob where `*` matches any run of characters.' }),
  {
    minItems: 1,
    maxItems: 100,
    uniqueItems: true,
    description: MODELS_TEXT,
  },
);

export const CreateKeyBody = Type.Object(
  {
    provider: Type.String({ minLength: 1, maxLength: 50, description: `One of ${PROVIDER_IDS.join(', ')}.` }),
    api_key: Type.String({ minLength: 1, maxLength: 512, description: 'The provider API key. Stored encrypted, never returned.' }),
    label: Type.Optional(keyLabel(`${LABEL_TEXT} Absent: \`default\`, the key the per-provider routes act on.`)),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Free text shown in listings; not part of the key\'s identity. A replacement without one keeps the stored text.' })),
    priority: Type.Optional(keyPriority(`${PRIORITY_TEXT} Absent: a new key goes after your last key for the provider; a replacement keeps its priority.`)),
    models: Type.Optional(Type.Union([ModelAllowList, Type.Null()], { description: `${MODELS_TEXT} Absent on a replacement: the stored list stays.` })),
    metadata: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32, description: 'Free-form notes (no secrets).' })),
    expires_at: Type.Optional(keyExpiry(`${EXPIRES_TEXT} It belongs to the key text: a replacement without it has none. Not with \`test_first\` (set it with PATCH /keys/by-id/{id} once the replacement is in).`)),
    allow_unrecognized_format: Type.Optional(
      Type.Boolean({ description: 'Save a key that fails the soft format check (providers change key formats).' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateKeyBody = Static<typeof CreateKeyBody>;

export const ToggleKeyBody = Type.Union(
  [
    Type.Object({ enabled: Type.Optional(Type.Boolean({ description: 'A JSON `true` or `false`; anything else (`null`, `0`, `"false"`) is 400.' })) }, { additionalProperties: false }),
    Type.Null(),
  ],
  { description: '`{enabled}` sets the state; no body, `{}` or `null` flips it. Any other body (`false`, `""`, a list) is 400.' },
);

const KeyHealthView = Type.Union(
  [
    Type.Object({
      state: Type.Enum(['ok', 'cooling_down', 'circuit_open', 'failing'], {
        description: '`cooling_down` after a 429 (or repeated failures), `circuit_open` after 5 consecutive 5xx or connection failures (30 s), `failing` while failures have not been ended by a success.',
      }),
      cooldown_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the cool-down or open circuit ends; null when neither runs.' }),
      failing_since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      last_15m: Type.Object({
        requests: Type.Integer(),
        errors: Type.Integer(),
        p50_latency_ms: Type.Union([Type.Integer(), Type.Null()]),
      }),
    }),
    Type.Null(),
  ],
  { description: "How the proxies found the key lately. Null when unknown: in answers to saves, toggles and edits and in the admin listing (read the key to see it), and when the health store (Redis) does not answer within 500 ms." },
);

const AdminDisabled = Type.Union(
  [Type.Object({ at: Type.String({ format: 'date-time' }), reason: Type.Union([Type.String(), Type.Null()]) }), Type.Null()],
  { description: 'Set while an administrator has disabled the key: when and why. Only an administrator can enable it again; the owner\'s toggle answers 403 meanwhile.' },
);

export const KEY_STATUSES = ['untested', 'testing', 'valid', 'invalid', 'error'] as const;

export const KeyView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    provider: Type.String(),
    provider_name: Type.String(),
    label: Type.String({ description: "The key's name among your keys for the provider (`default` for a key saved without one)." }),
    description: Type.Union([Type.String(), Type.Null()], { description: 'Free text given at save.' }),
    priority: Type.Integer({ description: 'Lower goes first; equal priorities take turns.' }),
    models: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'The allow-list of models (names or `*` globs); null = any model.' }),
    health: KeyHealthView,
    masked_key: Type.String({ description: 'Known prefix and last four characters, e.g. sk-or-v1-****…****1234.' }),
    enabled: Type.Boolean(),
    status: Type.Enum(KEY_STATUSES, { description: 'Result of the last validation against the provider.' }),
    usable: Type.Boolean({ description: 'Whether routing will use this key (enabled and not invalid).' }),
    last_tested_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    last_test_message: Type.Union([Type.String(), Type.Null()]),
    last_test_latency_ms: Type.Union([Type.Integer(), Type.Null()]),
    models_count: Type.Union([Type.Integer(), Type.Null()], { description: 'Models the key can reach, where the provider lists them.' }),
    validation: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'Details of the last validation (model list, provider limits).' }),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    admin_disabled: AdminDisabled,
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the key stops working at the provider, as you set it; null when not set.' }),
    replacement: Type.Union(
      [Type.Object({ masked_key: Type.String(), staged_at: Type.String({ format: 'date-time' }) }), Type.Null()],
      { description: 'A replacement saved with test_first whose test has not settled yet; the key above stays in use until it passes.' },
    ),
    key_version: Type.Integer(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'ProviderKey' },
);
export type KeyView = Static<typeof KeyView>;

export const ToggleResult = Type.Object({ provider: Type.String(), enabled: Type.Boolean(), id: Type.String({ format: 'uuid' }), admin_disabled: AdminDisabled });

/** `?label=` of the per-provider routes: which of the provider's keys they act on. */
export const LabelQuery = Type.Object(
  { label: Type.Optional(keyLabel('Which of your keys for the provider (ignoring case); absent: the key labelled `default`. 404 when there is no such key.')) },
  { additionalProperties: false },
);

export const KeyIdParam = Type.Object({
  id: Type.String({ format: 'uuid', description: "The key's id (from a listing). Not a UUID: 400; no key of yours with this id (including another user's key): 404." }),
});

const PatchKeyFields = Type.Object(
  {
    label: Type.Optional(KeyLabel),
    priority: Type.Optional(KeyPriority),
    models: Type.Optional(Type.Union([ModelAllowList, Type.Null()])),
    enabled: Type.Optional(Type.Boolean({ description: 'Like the toggle: enabling a key an administrator disabled answers 403. A JSON `true` or `false`; anything else (`null`, `0`, `"false"`) is 400.' })),
    expires_at: Type.Optional(keyExpiry(EXPIRES_TEXT)),
  },
  { additionalProperties: false },
);

/** Absent fields stay as they are; an empty patch (or no body) changes nothing and answers with the key. */
export const PatchKeyBody = Type.Union([PatchKeyFields, Type.Null()]);
export type PatchKeyBody = Static<typeof PatchKeyBody>;

export const AdminToggleBody = Type.Union([
  Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Shown to the key\'s owner.' })) }, { additionalProperties: false }),
  Type.Null(),
]);

export const SaveKeyQuery = Type.Object(
  {
    test_first: Type.Optional(
      Type.Boolean({
        description:
          'Replace your current key only after the new one passed a test with the provider. The current key keeps working meanwhile and stays if the new one fails. Without a current key this is an ordinary save.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A manual test that finished within the wait. */
export const KeyTestResult = Type.Object({
  success: Type.Boolean(),
  status: Type.String({ description: 'The key status after the test: valid, invalid or error.' }),
  message: Type.Union([Type.String(), Type.Null()]),
  latency_ms: Type.Union([Type.Integer(), Type.Null()]),
  models_count: Type.Union([Type.Integer(), Type.Null()]),
  models: Type.Optional(Type.Array(Type.String())),
});

/** A manual test still running when the wait ran out (202). */
export const KeyTestPending = Type.Object({
  job_id: Type.String(),
  status: Type.Literal('testing'),
  message: Type.String(),
});
