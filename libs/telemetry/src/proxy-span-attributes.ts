import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { ERROR_OUTCOMES, type CredentialSource, type ProxyOutcome } from './gateway-vocabulary.js';

/**
 * Facts about one proxied chat request that may go on a span. Everything here is safe to export:
 * ids, names, counts and outcomes. Key material, prompts, completions and headers have no field,
 * and `setProxySpanAttributes` reads only the fields listed in `PROXY_SPAN_ATTRIBUTES`, so an
 * object that carries more (a whole request, say) cannot leak the rest.
 */
export interface ProxySpanFields {
  /** Provider id the request went to (`openrouter`, `openai`, …). */
  provider?: string;
  /** The model as the client asked for it. */
  requestedModel?: string;
  /** The model name sent upstream after rewriting (`openai/gpt-4o-mini` for OpenRouter). */
  upstreamModel?: string;
  credentialSource?: CredentialSource;
  /** Id of the stored key used (a uuid, never the key). */
  keyId?: string;
  stream?: boolean;
  promptTokens?: number;
  completionTokens?: number;
  outcome?: ProxyOutcome;
  /** HTTP status the upstream answered with. */
  upstreamStatus?: number;
  /** Time from sending the upstream request to its first response byte. */
  ttfbMs?: number;
  /** Credits charged for a system-key request, in millionths. */
  creditsMicro?: number;
}

/**
 * The allow-list: each field's span attribute name. GenAI semantic-convention names where one
 * exists, `gateway.*` otherwise. Tempo's span metrics and the dashboard read `gateway.provider`,
 * `gateway.credential_source` and `gateway.outcome`.
 */
export const PROXY_SPAN_ATTRIBUTES = {
  provider: 'gateway.provider',
  requestedModel: 'gen_ai.request.model',
  upstreamModel: 'gateway.upstream_model',
  credentialSource: 'gateway.credential_source',
  keyId: 'gateway.key_id',
  stream: 'gateway.stream',
  promptTokens: 'gen_ai.usage.input_tokens',
  completionTokens: 'gen_ai.usage.output_tokens',
  outcome: 'gateway.outcome',
  upstreamStatus: 'gateway.upstream_status',
  ttfbMs: 'gateway.ttfb_ms',
  creditsMicro: 'gateway.credits_micro',
} as const satisfies Record<keyof ProxySpanFields, string>;

const FIELDS = Object.keys(PROXY_SPAN_ATTRIBUTES) as (keyof ProxySpanFields)[];

/** Model names are client input; a bound keeps one odd request from bloating its span. */
const MAX_TEXT_LENGTH = 200;

/** Name of the span `startProxySpan` opens for the upstream call. */
export const PROXY_SPAN_NAME = 'gateway.proxy';

/**
 * Sets the listed facts on `span`; fields left undefined are skipped, so call it as facts become
 * known (route chosen, first byte, usage at the end). An error outcome (`upstream_error`,
 * `timeout`) also sets the span's status to error. Costs nothing when the span is not recording.
 */
export function setProxySpanAttributes(span: Span, fields: ProxySpanFields): void {
  if (!span.isRecording()) return;
  for (const field of FIELDS) {
    const value = fields[field];
    if (value === undefined) continue;
    span.setAttribute(PROXY_SPAN_ATTRIBUTES[field], typeof value === 'string' ? value.slice(0, MAX_TEXT_LENGTH) : value);
  }
  if (fields.outcome !== undefined && ERROR_OUTCOMES.has(fields.outcome)) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: fields.outcome });
  }
}

/**
 * Opens the span of a proxied request's upstream call, as a child of the active span (the HTTP
 * request), carrying the proxy attributes. It is the call's only span: make the call inside
 * `withoutCallSpan` so the undici instrumentation adds none of its own, and end this one when the
 * response has finished (the stream included), not when the handler returns. A second span for
 * the same call, with the URL and headers parsed again, cost about a third of a traced proxy
 * request's tracing overhead (bench/TRACING-NOTES.md); what it would say (status, time to first
 * byte) is on this one.
 *
 * Undefined when the request is not being recorded (the sampler dropped it, or no SDK runs): the
 * span would be dropped too, so neither it nor the suppressed context is made.
 */
export function startProxySpan(fields: ProxySpanFields = {}): Span | undefined {
  const active = context.active();
  if (trace.getSpan(active)?.isRecording() !== true) return undefined;
  const span = trace.getTracer('byok-proxy').startSpan(PROXY_SPAN_NAME, { kind: SpanKind.CLIENT }, active);
  setProxySpanAttributes(span, fields);
  return span;
}

/**
 * Runs `fn` (the upstream call) with tracing suppressed, so instrumented clients inside it make no
 * span and send no `traceparent`: the call already has its span, and a provider has no use for
 * the gateway's trace ids.
 */
export function withoutCallSpan<T>(fn: () => T): T {
  return context.with(suppressTracing(context.active()), fn);
}
