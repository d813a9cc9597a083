import { findUserKey, type EntityManager } from '@byok/db';
import { notFound } from '@byok/http';
import { PROVIDERS } from '@byok/providers';
import type { Producers } from '@byok/queues';
import type { KeyTestJobWaiter } from './job-wait.js';
import { interactiveTestDedupId } from './key-test-dedup.js';
import type { KeyTestLimiter } from './key-test-limiter.js';
import type { Actor } from '../http/actor.js';
import { parseProvider } from '../http/provider-param.js';

export type KeyTestAnswer =
  | { done: true; success: boolean; status: string; message: string | null; latency_ms: number | null; models_count: number | null; models?: string[] }
  | { done: false; job_id: string; status: 'testing' };

export type KeyTestService = ReturnType<typeof createKeyTestService>;

export interface KeyTestServiceDependencies {
  producers: Producers;
  keyTestJobs: KeyTestJobWaiter;
  /** Shared with key saves: both cause provider calls. */
  limiter: KeyTestLimiter;
}

/**
 * Manual key tests. The API never calls a provider: it queues a test and waits (bounded) for the
 * worker's answer. Tests of the same key version share one job (BullMQ deduplication), so fifty
 * clicks make one provider call and all fifty get its result. The worker, not the API, marks the
 * key `testing` when it starts the job: a mark from here could land just after a job it was
 * deduplicated onto had written its result, and leave the key `testing` with no job to finish it.
 */
export function createKeyTestService(deps: KeyTestServiceDependencies) {
  return {
    async testKey(em: EntityManager, actor: Actor, userId: string, providerParam: string): Promise<KeyTestAnswer> {
      const provider = parseProvider(providerParam);
      const key = await findUserKey(em, userId, provider);
      if (!key) throw notFound(`${PROVIDERS[provider].displayName} key`);
      // After the provider and key were found: a typo or a missing key makes no provider call and spends nothing.
      await deps.limiter.take(userId);
      const job = await deps.producers.keyTests.enqueue(
        { keyId: key.id, keyVersion: key.keyVersion, userId, provider, reason: 'manual', actorId: actor.actorId, ...(actor.requestId ? { requestId: actor.requestId } : {}) },
        { deduplication: { id: interactiveTestDedupId(key.id, key.keyVersion) } },
      );
      // A failed job (invalid key, no credit) has still written its result; only the wait running out means "not yet".
      const finished = (await deps.keyTestJobs.wait(job.id)).state !== 'pending';
      if (!finished) return { done: false, job_id: job.id, status: 'testing' };
      const fresh = await findUserKey(em.fork(), userId, provider);
      if (!fresh) throw notFound(`${PROVIDERS[provider].displayName} key`);
      const validation = (fresh.metadata?.validation ?? {}) as { models?: unknown; models_count?: unknown };
      return {
        done: true,
        success: fresh.testStatus === 'valid',
        status: fresh.testStatus,
        message: fresh.lastTestMessage ?? null,
        latency_ms: fresh.lastTestLatencyMs ?? null,
        models_count: typeof validation.models_count === 'number' ? validation.models_count : null,
        ...(Array.isArray(validation.models) ? { models: validation.models.filter((m): m is string => typeof m === 'string') } : {}),
      };
    },
  };
}
