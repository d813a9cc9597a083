import { metrics, type Meter } from '@opentelemetry/api';
import type { CredentialSource, ProxyOutcome } from '../gateway-vocabulary.js';

/** The meter every gateway instrument is created on. */
export const GATEWAY_METER_NAME = 'byok-gateway';

/**
 * Bucket bounds (seconds) for latencies that range from a cached answer to a long streamed
 * completion. The SDK's default bounds are meant for milliseconds and would put every chat
 * request in the last buckets.
 */
const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
/** Queue waits range from milliseconds (idle worker) to minutes (backlog, backoff). */
const WAIT_BUCKETS_S = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** One proxied chat request, recorded once after its response finished. */
export interface ProxyRequestRecord {
  provider: string;
  credentialSource: CredentialSource;
  outcome: ProxyOutcome;
  stream: boolean;
  /** From the client's request to the last byte of the answer. */
  durationMs: number;
  /** From sending upstream to the first byte back; absent when no byte came. */
  ttfbMs?: number;
}

/** One usage event applied by the usage consumer (recorded once, not on a redelivered duplicate). */
export interface UsageRecord {
  provider: string;
  credentialSource: CredentialSource;
  promptTokens: number;
  completionTokens: number;
  /** Credits charged, in millionths (0 for BYOK requests). */
  creditsMicro: number;
}

/**
 * The gateway's own instruments. Request rate and latency by route and status come from the HTTP
 * instrumentation (`http.server.request.duration`); these cover what only the gateway knows.
 * Attribute values are closed sets or provider ids, never user ids or model names, to keep the
 * number of series bounded. Without an SDK the meter is a no-op and every call costs a function call.
 */
export interface GatewayMetrics {
  /** Proxy: request count (BYOK share, upstream errors) and latency in one histogram, and time to first byte, by provider. */
  recordProxyRequest(record: ProxyRequestRecord): void;
  /** Usage consumer: tokens and credits consumed. */
  recordUsage(record: UsageRecord): void;
  /** Worker: one finished key test (or `skipped` when the key changed under it). */
  recordKeyTest(record: { provider: string; outcome: string }): void;
  /** Any worker: time a job waited in its queue before its first attempt started. */
  recordJobWait(record: { queue: string; waitMs: number }): void;
  /** Any worker: a failed attempt; `final` when the job will not be retried. */
  recordJobFailure(record: { queue: string; final: boolean }): void;
}

/** The instruments on `meter` (default: the global meter provider's `byok-gateway` meter). */
export function createGatewayMetrics(meter: Meter = gatewayMeter()): GatewayMetrics {
  // The histogram's count is the request count by the same attributes (BYOK share, error rate); a
  // separate counter would cost a second record, with its attribute hashing, on every request.
  const proxyDuration = meter.createHistogram('gateway.proxy.duration', {
    description: 'Proxied chat requests by provider, credential source and outcome, and their duration from request in to last byte out.',
    unit: 's',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_S },
  });
  const proxyTtfb = meter.createHistogram('gateway.proxy.time_to_first_byte', {
    description: 'Time from sending a chat request upstream to its first response byte.',
    unit: 's',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_S },
  });
  const tokens = meter.createCounter('gateway.usage.tokens', { description: 'Tokens of proxied requests, by provider, credential source and direction.', unit: '{token}' });
  const credits = meter.createCounter('gateway.credits.consumed', { description: 'Credits charged for system-key requests.', unit: '{credit}' });
  const keyTests = meter.createCounter('gateway.key_tests', { description: 'Finished key tests by provider and outcome.', unit: '{test}' });
  const jobWait = meter.createHistogram('gateway.queue.wait_time', {
    description: 'Time a job waited in its queue before its first attempt started.',
    unit: 's',
    advice: { explicitBucketBoundaries: WAIT_BUCKETS_S },
  });
  const jobFailures = meter.createCounter('gateway.jobs.failed', { description: 'Failed job attempts; final = no retry follows.', unit: '{job}' });

  return {
    recordProxyRequest(record) {
      const attributes = { provider: record.provider, credential_source: record.credentialSource, outcome: record.outcome, stream: record.stream };
      proxyDuration.record(record.durationMs / 1000, attributes);
      if (record.ttfbMs !== undefined) proxyTtfb.record(record.ttfbMs / 1000, { provider: record.provider, stream: record.stream });
    },
    recordUsage(record) {
      const attributes = { provider: record.provider, credential_source: record.credentialSource };
      tokens.add(record.promptTokens, { ...attributes, direction: 'input' });
      tokens.add(record.completionTokens, { ...attributes, direction: 'output' });
      if (record.creditsMicro > 0) credits.add(record.creditsMicro / 1_000_000, attributes);
    },
    recordKeyTest(record) {
      keyTests.add(1, { provider: record.provider, outcome: record.outcome });
    },
    recordJobWait(record) {
      jobWait.record(Math.max(0, record.waitMs) / 1000, { queue: record.queue });
    },
    recordJobFailure(record) {
      jobFailures.add(1, { queue: record.queue, final: record.final });
    },
  };
}

/** The global meter provider's gateway meter; a no-op meter when no SDK runs. */
export function gatewayMeter(): Meter {
  return metrics.getMeter(GATEWAY_METER_NAME);
}
