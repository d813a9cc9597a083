import { applyUsageEvents, type Orm } from '@byok/db';
import type { UsageEvent } from '@byok/queues';
import type { GatewayMetrics, Logger } from '@byok/telemetry';
import { UnrecoverableError } from 'bullmq';
import type { ItemOutcome } from '@byok/batch';
import { classifyBatchFailure } from './batch-failure.js';
import { withStorableText } from './usage-event.text.js';

/** What a job learns about its event: stored now, or already stored by an earlier delivery. */
export interface UsageEventStored {
  duplicate: boolean;
}

export interface UsageBatchWriterDependencies {
  orm: Orm;
  logger: Logger;
  /** Tokens and credits of newly stored events (never of duplicates). */
  metrics: Pick<GatewayMetrics, 'recordUsage'>;
  /** Called with the events of every committed batch (stored now or before), e.g. to release their credit reservations. */
  onCommitted?: (events: readonly UsageEvent[]) => void;
}

export type UsageBatchWriter = (events: UsageEvent[]) => Promise<Array<ItemOutcome<UsageEventStored>>>;

/**
 * Writes a batch of usage events in one transaction (`applyUsageEvents`) on a fresh entity
 * manager. When the database refuses a value, the batch is halved until the refused event stands
 * alone. An event refused for its text (a NUL in the model name) is stored once more with its text
 * cleaned, keeping its tokens and charge; one still refused fails without retry, and every other
 * event is stored, so one malformed event never holds back the rest. Any other failure fails the whole batch with a retryable error, and
 * BullMQ retries each job with its backoff; nothing of a failed transaction was kept, so the
 * retry starts clean.
 */
export function createUsageBatchWriter(deps: UsageBatchWriterDependencies): UsageBatchWriter {
  const { orm, logger, metrics } = deps;

  const write = async (events: UsageEvent[]): Promise<Array<ItemOutcome<UsageEventStored>>> => {
    try {
      const result = await applyUsageEvents(orm.em.fork(), events);
      deps.onCommitted?.(events);
      // The first job carrying a newly stored request id reports it as stored, the rest as duplicates.
      const claimed = new Set<string>();
      return events.map((event) => {
        const stored = result.insertedRequestIds.has(event.requestId) && !claimed.has(event.requestId);
        claimed.add(event.requestId);
        if (stored) {
          const { provider, credentialSource, promptTokens, completionTokens } = event;
          metrics.recordUsage({ provider, credentialSource, promptTokens, completionTokens, creditsMicro: credentialSource === 'system' ? event.creditsMicro : 0 });
        }
        return { ok: true, value: { duplicate: !stored } };
      });
    } catch (error) {
      const kind = classifyBatchFailure(error);
      const message = error instanceof Error ? error.message : String(error);
      if (kind === 'bad-data' && events.length > 1) {
        const middle = Math.ceil(events.length / 2);
        return [...(await write(events.slice(0, middle))), ...(await write(events.slice(middle)))];
      }
      const cleaned = kind === 'bad-data' && events[0] !== undefined ? withStorableText(events[0]) : undefined;
      if (cleaned !== undefined) {
        logger.warn({ requestId: cleaned.requestId }, 'usage event text not storable; storing it with the text cleaned');
        return write([cleaned]);
      }
      if (kind === 'bad-data') {
        logger.warn({ requestId: events[0]?.requestId, error: { message } }, 'usage event refused by the database; failing its job without retry');
        return [{ ok: false, error: new UnrecoverableError(`usage event refused by the database: ${message}`) }];
      }
      logger.warn({ kind, events: events.length, error: { message } }, 'usage batch not stored; its jobs will retry');
      const retry = new Error(kind === 'unavailable' ? 'database unavailable; usage event will be retried' : `usage batch failed; will be retried: ${message}`);
      return events.map(() => ({ ok: false, error: retry }));
    }
  };

  return write;
}
