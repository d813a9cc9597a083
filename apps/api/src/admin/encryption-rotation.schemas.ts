import Type, { type Static } from 'typebox';

/** A rotation's progress, as the worker records it while it runs. */
export const RotationView = Type.Object({
  target_fingerprint: Type.String(),
  /** `unfinished` covers a running rotation and one cut off by a crash (rerun to resume it). */
  state: Type.Union([Type.Literal('unfinished'), Type.Literal('finished')]),
  scanned: Type.Integer(),
  rotated: Type.Integer(),
  recorded: Type.Integer(),
  already_current: Type.Integer(),
  undecryptable: Type.Integer(),
  binding_mismatch: Type.Integer(),
  conflicts: Type.Integer(),
  requested_by: Type.String(),
  started_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type RotationView = Static<typeof RotationView>;

/** Which configured key covers how many stored keys, and the rotation towards the first one. */
export const EncryptionStatusView = Type.Object({
  keys: Type.Array(Type.Object({ index: Type.Integer(), fingerprint: Type.String(), rows: Type.Integer(), untagged: Type.Integer() })),
  unknown_keys: Type.Array(Type.Object({ fingerprint: Type.String(), rows: Type.Integer() })),
  undecryptable_rows: Type.Integer({ description: 'Rows recorded under a key that is not configured.' }),
  unrecorded_rows: Type.Integer({ description: 'Rows with no recorded key fingerprint yet; `npm run keys:verify` decrypts them.' }),
  untagged_rows: Type.Integer(),
  total_rows: Type.Integer(),
  rotation: Type.Union([RotationView, Type.Null()], { description: 'The rotation towards the first configured key, if one was started.' }),
});
export type EncryptionStatusView = Static<typeof EncryptionStatusView>;

export const RotationStarted = Type.Object({ job_id: Type.String(), target_fingerprint: Type.String() });
export type RotationStarted = Static<typeof RotationStarted>;
