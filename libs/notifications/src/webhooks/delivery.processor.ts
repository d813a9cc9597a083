import { UnrecoverableError, type Job } from 'bullmq';
import type { Orm } from '@byok/db';
import { closeDeliveryUnsent, loadDeliveryTarget, recordDeliveryAttempt, type AttemptRecord, type DeliveryTarget } from './webhook-deliveries.repository.js';
import { retryDelayMs, RetryLaterError, type RetrySchedule } from './retry-schedule.js';
import type { SendOutcome, WebhookPost } from './webhook-sender.js';
import { signWebhookBody } from './webhook-signature.js';

export interface DeliveryProcessorDeps {
  orm: Orm;
  /** Opens the stored signing secret (the keyring's `decrypt`). */
  decryptSecret: (token: string) => string;
  send: (post: WebhookPost) => Promise<SendOutcome>;
  schedule: RetrySchedule;
  now?: () => number;
}

/** What a job came to, for the worker's log line. */
export type DeliveryResult = 'delivered' | 'webhook_deleted' | 'webhook_disabled' | 'already_delivered';

/**
 * Makes one attempt of one delivery and records it on the delivery row before the job settles:
 * delivered; failed for good (address refused, or the retry window is over: `UnrecoverableError`);
 * or to be retried after the delay written to `next_attempt_at` (`RetryLaterError`). A worker that
 * dies between the POST and the record sends again when the job is retried, so receivers get a
 * delivery at least once and tell repeats apart by `x-byok-delivery`.
 */
export function createDeliveryProcessor(deps: DeliveryProcessorDeps) {
  const now = deps.now ?? Date.now;
  return async (job: Job<{ deliveryId: string }>): Promise<DeliveryResult> => {
    const em = deps.orm.em.fork();
    const target = await loadDeliveryTarget(em, job.data.deliveryId);
    if (!target) return 'webhook_deleted';
    if (target.status === 'delivered') return 'already_delivered';
    if (!target.webhookEnabled) {
      await closeDeliveryUnsent(em, target.id, 'not sent: the webhook was disabled');
      return 'webhook_disabled';
    }
    const secret = openSecret(deps, target.secretEncrypted);
    if (secret === null) {
      // Retrying cannot help: the keys that encrypted the secret are gone from the configured list.
      const error = 'not sent: the signing secret cannot be decrypted with the configured encryption keys; create the webhook again for a new secret';
      await closeDeliveryUnsent(em, target.id, error);
      throw new UnrecoverableError(error);
    }
    const outcome = await deps.send(signedPost(target, secret, now()));
    if (outcome.kind === 'delivered') {
      await recordDeliveryAttempt(em, target.id, { status: 'delivered', responseCode: outcome.status, responseExcerpt: outcome.excerpt, error: null, nextAttemptAt: null });
      return 'delivered';
    }
    const failure = describe(outcome);
    if (outcome.kind === 'refused') {
      await recordDeliveryAttempt(em, target.id, { ...failure, status: 'failed', nextAttemptAt: null });
      throw new UnrecoverableError(failure.error ?? 'refused');
    }
    const delayMs = retryDelayMs(deps.schedule, job.attemptsMade + 1);
    const nextAt = now() + delayMs;
    if (nextAt > target.retryUntilMs) {
      await recordDeliveryAttempt(em, target.id, { ...failure, status: 'failed', nextAttemptAt: null });
      throw new UnrecoverableError(`${failure.error ?? 'failed'}; no retries left`);
    }
    await recordDeliveryAttempt(em, target.id, { ...failure, status: 'retrying', nextAttemptAt: new Date(nextAt) });
    throw new RetryLaterError(failure.error ?? 'failed', delayMs);
  };
}

function openSecret(deps: DeliveryProcessorDeps, token: string): string | null {
  try {
    return deps.decryptSecret(token);
  } catch {
    return null;
  }
}

function signedPost(target: DeliveryTarget, secret: string, nowMs: number): WebhookPost {
  return {
    url: target.url,
    body: target.body,
    headers: {
      'x-byok-event': target.eventType,
      'x-byok-delivery': target.id,
      'x-byok-signature': signWebhookBody(secret, target.body, nowMs / 1000),
    },
  };
}

function describe(outcome: Exclude<SendOutcome, { kind: 'delivered' }>): Pick<AttemptRecord, 'responseCode' | 'responseExcerpt' | 'error'> {
  if (outcome.kind === 'rejected') {
    const redirect = outcome.status >= 300 && outcome.status < 400 ? ' (redirects are not followed)' : '';
    return { responseCode: outcome.status, responseExcerpt: outcome.excerpt, error: `the receiver answered ${outcome.status}${redirect}` };
  }
  return { responseCode: null, responseExcerpt: null, error: outcome.error };
}
