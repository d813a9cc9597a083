// Public surface of @byok/usage-consumer: what the standalone process, tests and benchmarks compose.
export { startUsageConsumer, type UsageConsumerHandle } from './start-usage-consumer.js';
export { resolveUsageConsumerSettings, type StartUsageConsumerOptions, type UsageConsumerSettings } from './usage-consumer-options.js';
export { parseUsageEvent } from './events/usage-event.payload.js';
export { parseUsageJob, type ParsedUsageJob } from './events/usage-job.payload.js';
export { settleUsageJob, type UsageJobResult } from './events/usage-job.outcome.js';
export { createUsageBatchWriter, type UsageBatchWriter, type UsageEventStored } from './events/usage-batch.writer.js';
export { classifyBatchFailure, type BatchFailureKind } from './events/batch-failure.js';
export { createPruneProcessor, type PruneResult } from './prune/prune-usage-events.task.js';
export { USAGE_MAINTENANCE_QUEUE, PRUNE_SCHEDULER_ID, syncPruneSchedule } from './prune/usage-maintenance.queue.js';
