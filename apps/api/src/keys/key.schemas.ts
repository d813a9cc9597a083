import Type, { type Static } from 'typebox';
import { PROVIDER_IDS } from '@byok/providers';

export const ProviderParam = Type.Object({
  provider: Type.String({ minLength: 1, maxLength: 50, description: `One of ${PROVIDER_IDS.join(', ')}.` }),
});

export const CreateKeyBody = Type.Object(
  {
    provider: Type.String({ minLength: 1, maxLength: 50, description: `One of ${PROVIDER_IDS.join(', ')}.` }),
    api_key: Type.String({ minLength: 1, maxLength: 512, description: 'The provider API key. Stored encrypted, never returned.' }),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    metadata: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32, description: 'Free-form notes (no secrets).' })),
    allow_unrecognized_format: Type.Optional(
      Type.Boolean({ description: 'Save a key that fails the soft format check (providers change key formats).' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateKeyBody = Static<typeof CreateKeyBody>;

export const ToggleKeyBody = Type.Union([
  Type.Object({ enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  Type.Null(),
]);

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
    label: Type.Union([Type.String(), Type.Null()]),
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
