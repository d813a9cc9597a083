import { orgKeyOwner } from '@byok/auth';
import type { KeyHealthTracker } from '@byok/key-health';
import type { UsageEvent } from '@byok/queues';
import { type GatewayMetrics, type Logger, setProxySpanAttributes } from '@byok/telemetry';
import type { BudgetGuard } from '../budgets/budget-guard.js';
import type { KeyRejectionReporter } from '../keys/key-rejection-reporter.js';
import type { Pricer } from '../pricing/pricer.js';
import type { UsageSink } from '../usage/usage-sink.js';
import type { TokenUseRecorder } from '../auth/token-use-recorder.js';
import { chargeableUsage } from './chargeable-usage.js';
import type { CreditHolds } from './credit-hold.js';
import { CLIENT_CLOSED_REQUEST, type Exchange } from './exchange.js';
import { proxyOutcome } from './proxy-outcome.js';

export interface AfterResponseDeps {
  usage: UsageSink;
  keyHealth: Pick<KeyHealthTracker, 'recordFailure' | 'recordSuccess'>;
  pricer: Pricer;
  credits: CreditHolds;
  budgets: Pick<BudgetGuard, 'settle'>;
  keyRejections: KeyRejectionReporter;
  tokenUses: TokenUseRecorder;
  logger: Logger;
  metrics: GatewayMetrics;
}

/** The usage event schema caps the model name; longer names are cut, not rejected. */
const MAX_MODEL_CHARS = 200;

/** Statuses of an answer that started and then broke off (see `stream-completion.ts`). */
const BROKEN_STREAM_STATUSES: ReadonlySet<number> = new Set([502, 504]);

/**
 * The side work of a request, run once its response has ended (finished or cut): exactly one
 * usage event (with every attempt when it failed over; only the answering attempt is charged),
 * the answering key's health, a re-validation for each user key an upstream refused, and the
 * token's last-used time. Nothing here can delay or change the response.
 */
export function createAfterResponse(deps: AfterResponseDeps): (exchange: Exchange, responseStatus: number) => void {
  return (exchange, responseStatus) => {
    const endedAt = performance.now();
    const { promptTokens, completionTokens, estimated } = chargeableUsage(exchange);
    const costMicro = promptTokens + completionTokens === 0 ? 0 : deps.pricer.costMicro(exchange.provider, exchange.upstreamModel, promptTokens, completionTokens);
    const event: UsageEvent = {
      requestId: exchange.requestId,
      userId: exchange.userId,
      provider: exchange.provider,
      model: exchange.upstreamModel.length > MAX_MODEL_CHARS ? exchange.upstreamModel.slice(0, MAX_MODEL_CHARS) : exchange.upstreamModel,
      credentialSource: exchange.credentialSource,
      statusCode: exchange.aborted ? CLIENT_CLOSED_REQUEST : (exchange.statusCode ?? responseStatus),
      stream: exchange.stream,
      promptTokens,
      completionTokens,
      costMicro,
      // BYOK requests are paid by the user's own provider account; only platform keys spend credits.
      creditsMicro: exchange.credentialSource === 'system' ? costMicro : 0,
      latencyMs: Math.max(0, Math.round(endedAt - exchange.startedAt)),
      occurredAt: new Date().toISOString(),
    };
    if (estimated) event.estimated = true;
    if (exchange.blockedBudgetId !== undefined) event.blockedBudgetId = exchange.blockedBudgetId;
    if (exchange.keyId !== undefined) event.keyId = exchange.keyId;
    if (exchange.orgId !== undefined) {
      event.orgId = exchange.orgId;
      event.orgKey = exchange.orgKey;
    }
    if (exchange.firstByteAt !== undefined) event.ttfbMs = Math.max(0, Math.round(exchange.firstByteAt - exchange.startedAt));
    if (exchange.failedAttempts.length > 0) event.attempts = usageAttempts(exchange, event.statusCode, endedAt);
    deps.usage.record(event);
    recordKeyHealth(deps, exchange, event.statusCode, endedAt);
    // The charge replaces the estimate held against the balance until the ledger has it.
    if (exchange.credit !== undefined) deps.credits.settle({ requestId: exchange.requestId, userId: exchange.userId, chargeMicro: event.creditsMicro });
    // The budgets count what the event records, so counters and record agree.
    if (exchange.budget !== undefined) deps.budgets.settle(exchange.budget, event);
    recordTelemetry(deps, exchange, event);

    if (exchange.keyRejected) reportRejectedKey(deps, exchange);
    for (const failed of exchange.failedAttempts) {
      if (failed.keyRejected) reportRejectedKey(deps, { ...exchange, ...failed });
    }
    if (exchange.tokenId !== undefined) deps.tokenUses.used(exchange.tokenId);
  };
}

/** The failed attempts, then the answering one, for the usage event (at most the schema's 10). */
function usageAttempts(exchange: Exchange, statusCode: number, endedAt: number): NonNullable<UsageEvent['attempts']> {
  const attempts: NonNullable<UsageEvent['attempts']> = exchange.failedAttempts.map((a) => ({
    provider: a.provider,
    credentialSource: a.credentialSource,
    ...(a.keyId !== undefined ? { keyId: a.keyId } : {}),
    status: a.status,
    outcome: a.outcome,
    latencyMs: a.latencyMs,
  }));
  attempts.push({
    provider: exchange.provider,
    credentialSource: exchange.credentialSource,
    ...(exchange.keyId !== undefined ? { keyId: exchange.keyId } : {}),
    status: exchange.upstreamStatus ?? 0,
    outcome: exchange.aborted ? 'client_closed' : `answered ${statusCode}`,
    latencyMs: Math.max(0, Math.round(endedAt - (exchange.upstreamSentAt ?? exchange.startedAt))),
  });
  return attempts.slice(-10);
}

/**
 * The answering attempt's verdict on its key (user keys only; failed-over attempts were recorded
 * when they failed): a failure the handler noted, a stream that broke off, or else a success.
 * A request whose client left before the upstream answered says nothing about the key.
 */
function recordKeyHealth(deps: AfterResponseDeps, exchange: Exchange, statusCode: number, endedAt: number): void {
  if (exchange.credentialSource === 'system' || exchange.keyId === undefined || exchange.healthRecorded) return;
  if (exchange.upstreamSentAt === undefined || (exchange.aborted && exchange.upstreamStatus === undefined)) return;
  const latencyMs = Math.max(0, Math.round((exchange.upstreamAnsweredAt ?? endedAt) - exchange.upstreamSentAt));
  const broke = exchange.upstreamStatus !== undefined && exchange.upstreamStatus < 300 && BROKEN_STREAM_STATUSES.has(statusCode) && !exchange.aborted;
  if (exchange.keyFailure !== undefined) deps.keyHealth.recordFailure(exchange.keyId, exchange.keyFailure, latencyMs);
  else if (broke) deps.keyHealth.recordFailure(exchange.keyId, { kind: 'fault' }, latencyMs);
  else deps.keyHealth.recordSuccess(exchange.keyId, latencyMs);
}

function reportRejectedKey(deps: AfterResponseDeps, exchange: Pick<Exchange, 'credentialSource' | 'provider' | 'requestId' | 'keyId' | 'keyVersion' | 'userId' | 'orgId' | 'orgKey'>): void {
  if (exchange.credentialSource === 'system') {
    // Every request on this path fails until an operator replaces the key.
    deps.logger.error({ provider: exchange.provider, request_id: exchange.requestId }, 'the provider refused the platform key');
    return;
  }
  if (exchange.keyId === undefined || exchange.keyVersion === undefined) return;
  // The test job names the key's owner: the organization's pseudo-user for its keys, not the member.
  const owner = exchange.orgKey && exchange.orgId !== undefined ? orgKeyOwner(exchange.orgId) : exchange.userId;
  deps.keyRejections.report({ keyId: exchange.keyId, keyVersion: exchange.keyVersion, userId: owner, provider: exchange.provider, requestId: exchange.requestId });
}

/** The proxy span's final facts (then ended) and the request metrics; no-ops without an SDK. */
function recordTelemetry(deps: AfterResponseDeps, exchange: Exchange, event: UsageEvent): void {
  const outcome = proxyOutcome(event.statusCode, exchange.aborted);
  const upstreamTtfbMs =
    exchange.upstreamSentAt !== undefined && exchange.upstreamAnsweredAt !== undefined ? Math.max(0, exchange.upstreamAnsweredAt - exchange.upstreamSentAt) : undefined;
  if (exchange.span !== undefined) {
    setProxySpanAttributes(exchange.span, {
      outcome,
      promptTokens: event.promptTokens,
      completionTokens: event.completionTokens,
      creditsMicro: event.creditsMicro,
      ...(exchange.upstreamStatus !== undefined ? { upstreamStatus: exchange.upstreamStatus } : {}),
      ...(upstreamTtfbMs !== undefined ? { ttfbMs: Math.round(upstreamTtfbMs) } : {}),
    });
    exchange.span.end();
  }
  deps.metrics.recordProxyRequest({
    provider: exchange.provider,
    credentialSource: exchange.credentialSource,
    outcome,
    stream: exchange.stream,
    durationMs: event.latencyMs,
    ...(upstreamTtfbMs !== undefined ? { ttfbMs: upstreamTtfbMs } : {}),
  });
}
