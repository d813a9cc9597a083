// Public surface of @byok/worker: what the standalone process and tests compose.
export { startWorker, type WorkerHandle } from './start-worker.js';
export type { StartWorkerOptions } from './worker-options.js';
export { createKeyTestProcessor, type KeyTestProcessor, type KeyTestProcessorDependencies, type KeyTestJobLike } from './key-test/key-test.processor.js';
export type { KeyTestCompleted, KeyTestJobResult, KeyTestSkipped } from './key-test/key-test.verdict.js';
export type { KeyTestOutcome } from './key-test/key-test.check.js';
export { createKeyTestStatements, KEY_TESTED_ACTION, type KeyTestStatements, keyTestIdempotencyKey } from './key-test/key-test.write.js';
export { backfillKeyHints, type BackfillKeyHintsDependencies, type BackfillKeyHintsResult } from './maintenance/backfill-key-hints.task.js';
export { recordKeyBindings, KEY_BINDINGS_RECORDED_ACTION, type RecordKeyBindingsDependencies } from './maintenance/record-key-bindings.task.js';
export { rotateEncryption, ENCRYPTION_ROTATED_ACTION, type RotateEncryptionDependencies, type RotateEncryptionResult } from './maintenance/rotate-encryption.task.js';
export { revalidateKeys, type RevalidateKeysDependencies, type RevalidateKeysResult } from './maintenance/revalidate-keys.task.js';
export { REVALIDATION_SCHEDULER_ID } from './maintenance/revalidation-schedule.js';
export { PROVIDER_BACKOFF_TYPE, MAX_BACKOFF_MS, providerBackoffDelayMs } from './retry/retry-policy.js';
export { finishStuckTests, ABANDONED_TEST_MESSAGE, type FinishStuckTestsDependencies, type FinishStuckTestsResult } from './maintenance/finish-stuck-tests.task.js';
export { outageRetryDelayMs, isInfrastructureOutage } from './retry/outage-retry.js';
