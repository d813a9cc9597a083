import { isSpanContextValid, trace, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';

/**
 * The sampler named by `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` (spec names; default
 * `parentbased_always_on`), wrapped so BullMQ's housekeeping does not start traces of its own.
 * NodeSDK only reads these variables when given no sampler, so passing the wrapper means reading
 * them here.
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv): Sampler {
  return new HousekeepingFilterSampler(baseSampler(env));
}

function baseSampler(env: NodeJS.ProcessEnv): Sampler {
  const ratio = ratioFrom(env.OTEL_TRACES_SAMPLER_ARG);
  switch ((env.OTEL_TRACES_SAMPLER ?? '').trim().toLowerCase()) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function ratioFrom(raw: string | undefined): number {
  const value = Number(raw);
  return raw !== undefined && raw.trim() !== '' && Number.isFinite(value) && value >= 0 && value <= 1 ? value : 1;
}

/**
 * Span names of BullMQ's background loops. Each idle poll (`getNextJob` that found nothing) and each
 * stalled-job sweep would otherwise be a one-span trace every few seconds per worker, burying the
 * traces people look for. When `getNextJob` does return a job, the job's context is its parent, so
 * it is not a root and stays.
 */
const HOUSEKEEPING_ROOT_PREFIXES = ['getNextJob ', 'moveStalledJobsToWait ', 'startStalledCheckTimer ', 'rateLimit '];

/** Drops housekeeping roots; everything else goes to the configured sampler. */
export class HousekeepingFilterSampler implements Sampler {
  constructor(private readonly delegate: Sampler) {}

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const parent = trace.getSpanContext(context);
    const isRoot = parent === undefined || !isSpanContextValid(parent);
    if (isRoot && HOUSEKEEPING_ROOT_PREFIXES.some((prefix) => spanName.startsWith(prefix))) {
      return { decision: SamplingDecision.NOT_RECORD };
    }
    return this.delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `HousekeepingFilterSampler{${this.delegate.toString()}}`;
  }
}
