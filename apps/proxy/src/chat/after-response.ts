import type { UsageEvent } from '@byok/queues';
import { type GatewayMetrics, type Logger, setProxySpanAttributes } from '@byok/telemetry';
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
  pricer: Pricer;
  credits: CreditHolds;
  keyRejections: KeyRejectionReporter;
  tokenUses: TokenUseRecorder;
  logger: Logger;
  metrics: GatewayMetrics;
}

/** The usage event schema caps the model name; longer names are cut, not rejected. */
const MAX_MODEL_CHARS = 200;

/**
 * The side work of a request, run once its response has ended (finished or cut): exactly one
 * usage event, a re-validation when the upstream refused the user's key, and the token's
 * last-used time. Nothing here can delay or change the response.
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
    if (exchange.keyId !== undefined) event.keyId = exchange.keyId;
    if (exchange.firstByteAt !== undefined) event.ttfbMs = Math.max(0, Math.round(exchange.firstByteAt - exchange.startedAt));
    deps.usage.record(event);
    // The charge replaces the estimate held against the balance until the ledger has it.
    if (exchange.credit !== undefined) deps.credits.settle({ requestId: exchange.requestId, userId: exchange.userId, chargeMicro: event.creditsMicro });
    recordTelemetry(deps, exchange, event);

    if (exchange.keyRejected) reportRejectedKey(deps, exchange);
    if (exchange.tokenId !== undefined) deps.tokenUses.used(exchange.tokenId);
  };
}

function reportRejectedKey(deps: AfterResponseDeps, exchange: Exchange): void {
  if (exchange.credentialSource === 'system') {
    // Every request on this path fails until an operator replaces the key.
    deps.logger.error({ provider: exchange.provider, request_id: exchange.requestId }, 'the provider refused the platform key');
    return;
  }
  if (exchange.keyId === undefined || exchange.keyVersion === undefined) return;
  deps.keyRejections.report({ keyId: exchange.keyId, keyVersion: exchange.keyVersion, userId: exchange.userId, provider: exchange.provider, requestId: exchange.requestId });
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
