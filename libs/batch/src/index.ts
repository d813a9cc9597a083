/**
 * @byok/batch: one batching primitive for the services that turn many single items (jobs,
 * requests) into few writes — the key-test worker's shared statements, the usage consumer's event
 * inserts — and the timeout helper their round trips use. No I/O and no dependencies: the callers
 * bring the write.
 */
export { type BatchWriter, type BatchWriterOptions, createBatchWriter, everyItemSucceeds, type ItemOutcome, type WriteFailurePolicy } from './batch-writer.js';
export { TimeoutError, withTimeout } from './with-timeout.js';
