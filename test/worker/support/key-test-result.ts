import type { KeyTestRecordInput } from '@byok/db';

/** A valid Groq key test's result for `key`, with the audit record the worker would write under `idempotencyKey`. */
export function keyTestResult(key: { id: string; userId: string }, idempotencyKey: string, message: string, keyVersion = 1): KeyTestRecordInput {
  return {
    keyId: key.id,
    keyVersion,
    status: 'valid',
    message,
    latencyMs: 5,
    validation: { outcome: 'valid' },
    audit: { actorId: key.userId, actorType: 'user', action: 'key.tested', subjectUserId: key.userId, provider: 'groq', keyId: key.id, details: { message }, idempotencyKey },
  };
}
