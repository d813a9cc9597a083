import type { ProviderId } from '@byok/providers';
import type { Producers } from '@byok/queues';
import type { Logger } from '@byok/telemetry';

/** A user key the upstream refused (401/403), by id and version only. */
export interface RejectedKey {
  keyId: string;
  keyVersion: number;
  userId: string;
  provider: ProviderId;
  requestId: string;
}

/** Asks the worker to re-validate keys that upstreams refuse, without ever delaying a response. */
export interface KeyRejectionReporter {
  report(key: RejectedKey): void;
}

export interface KeyRejectionReporterDeps {
  producers: Pick<Producers, 'keyTests'>;
  logger: Logger;
  /** How long one key version is not reported again from this process. Default 60 s. */
  quietMs?: number;
  now?: () => number;
}

const MAX_REMEMBERED = 10_000;

/**
 * Enqueues a `rejected_upstream` key test, deduplicated twice: in Redis by `${keyId}:${keyVersion}`
 * (the id the API's own test job uses, so a test already queued for that version absorbs this
 * one), and in process for `quietMs`, so a client hammering with a dead key does not cost a Redis
 * round trip per request. A failure to enqueue is logged; the next rejection tries again.
 */
export function createKeyRejectionReporter(deps: KeyRejectionReporterDeps): KeyRejectionReporter {
  const quietMs = deps.quietMs ?? 60_000;
  const now = deps.now ?? Date.now;
  const reportedAt = new Map<string, number>();

  return {
    report(key) {
      const dedupId = `${key.keyId}:${key.keyVersion}`;
      const at = now();
      const last = reportedAt.get(dedupId);
      if (last !== undefined && at - last < quietMs) return;
      if (reportedAt.size >= MAX_REMEMBERED) reportedAt.clear();
      reportedAt.set(dedupId, at);
      deps.producers.keyTests
        .enqueue(
          { keyId: key.keyId, keyVersion: key.keyVersion, userId: key.userId, provider: key.provider, reason: 'rejected_upstream', actorId: 'system', requestId: key.requestId },
          { deduplication: { id: dedupId } },
        )
        .then(
          () => deps.logger.info({ key_id: key.keyId, key_version: key.keyVersion, provider: key.provider, request_id: key.requestId }, 'upstream refused a user key: re-validation queued'),
          (error: unknown) => {
            reportedAt.delete(dedupId);
            deps.logger.warn({ err: error, key_id: key.keyId, provider: key.provider }, 'could not queue the re-validation of a refused key');
          },
        );
    },
  };
}
