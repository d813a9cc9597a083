import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { samplerFromEnv } from './sampler.js';

const TRACE_ID = 'a'.repeat(32);
const sampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'b'.repeat(32), spanId: 'c'.repeat(16), traceFlags: TraceFlags.SAMPLED });
const decide = (env: NodeJS.ProcessEnv, name: string, parent = context.active()) => samplerFromEnv(env).shouldSample(parent, TRACE_ID, name, SpanKind.INTERNAL, {}, []).decision;

describe('samplerFromEnv', () => {
  it('drops BullMQ housekeeping roots and keeps the same names inside a trace', () => {
    for (const name of ['getNextJob key-tests', 'moveStalledJobsToWait key-tests', 'startStalledCheckTimer maintenance']) {
      expect(decide({}, name)).toBe(SamplingDecision.NOT_RECORD);
    }
    expect(decide({}, 'getNextJob key-tests', sampledParent)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide({}, 'POST /api/v1/llm/byok/keys')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('reads OTEL_TRACES_SAMPLER and its argument', () => {
    expect(decide({ OTEL_TRACES_SAMPLER: 'always_off' }, 'POST /x')).toBe(SamplingDecision.NOT_RECORD);
    expect(decide({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, 'POST /x')).toBe(SamplingDecision.NOT_RECORD);
    // Parent-based: a sampled caller keeps its trace whatever the local ratio.
    expect(decide({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, 'POST /x', sampledParent)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    // A malformed ratio falls back to 1 rather than silently sampling nothing.
    expect(decide({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'lots' }, 'POST /x')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });
});
