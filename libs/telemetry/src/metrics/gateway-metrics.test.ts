import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from './gateway-metrics.js';
import { observeQueueDepth, type CountableQueue } from './queue-depth.gauge.js';

class Reader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
  async points(name: string): Promise<DataPoint<number | Histogram>[]> {
    const { resourceMetrics } = await this.collect();
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as DataPoint<number | Histogram>[]));
  }
}

function setup() {
  const reader = new Reader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
  return { reader, meter, metrics: createGatewayMetrics(meter) };
}

describe('createGatewayMetrics', () => {
  it('counts proxied requests by credential source (the BYOK share) and times them in seconds', async () => {
    const { reader, metrics } = setup();
    metrics.recordProxyRequest({ provider: 'openai', credentialSource: 'user_provider', outcome: 'success', stream: false, durationMs: 420, ttfbMs: 150 });
    metrics.recordProxyRequest({ provider: 'openai', credentialSource: 'system', outcome: 'success', stream: false, durationMs: 380 });
    metrics.recordProxyRequest({ provider: 'openai', credentialSource: 'system', outcome: 'upstream_error', stream: false, durationMs: 30 });
    const durations = await reader.points('gateway.proxy.duration');
    const count = (source: string, outcome: string) => (durations.find((p) => p.attributes.credential_source === source && p.attributes.outcome === outcome)?.value as Histogram | undefined)?.count;
    expect(count('user_provider', 'success')).toBe(1);
    expect(count('system', 'success')).toBe(1);
    expect(count('system', 'upstream_error')).toBe(1);
    const byok = durations.find((p) => p.attributes.credential_source === 'user_provider')?.value as Histogram | undefined;
    expect(byok?.sum).toBeCloseTo(0.42);
    const ttfb = await reader.points('gateway.proxy.time_to_first_byte');
    expect(ttfb).toHaveLength(1);
    expect((ttfb[0]?.value as Histogram | undefined)?.sum).toBeCloseTo(0.15);
  });

  it('records usage tokens by direction and credits only when charged', async () => {
    const { reader, metrics } = setup();
    metrics.recordUsage({ provider: 'groq', credentialSource: 'system', promptTokens: 10, completionTokens: 5, creditsMicro: 2_500_000 });
    metrics.recordUsage({ provider: 'groq', credentialSource: 'user_provider', promptTokens: 7, completionTokens: 3, creditsMicro: 0 });
    const tokens = await reader.points('gateway.usage.tokens');
    expect(tokens.find((p) => p.attributes.credential_source === 'system' && p.attributes.direction === 'input')?.value).toBe(10);
    expect(tokens.find((p) => p.attributes.credential_source === 'user_provider' && p.attributes.direction === 'output')?.value).toBe(3);
    const credits = await reader.points('gateway.credits.consumed');
    expect(credits.map((p) => [p.attributes.credential_source, p.value])).toEqual([['system', 2.5]]);
  });

  it('records key-test outcomes, job waits and failures', async () => {
    const { reader, metrics } = setup();
    metrics.recordKeyTest({ provider: 'openai', outcome: 'valid' });
    metrics.recordKeyTest({ provider: 'openai', outcome: 'invalid' });
    metrics.recordJobWait({ queue: 'key-tests', waitMs: 1500 });
    metrics.recordJobWait({ queue: 'key-tests', waitMs: -3 });
    metrics.recordJobFailure({ queue: 'key-tests', final: false });
    metrics.recordJobFailure({ queue: 'key-tests', final: true });
    expect((await reader.points('gateway.key_tests')).map((p) => p.attributes.outcome).sort()).toEqual(['invalid', 'valid']);
    const wait = (await reader.points('gateway.queue.wait_time'))[0]?.value as Histogram | undefined;
    expect(wait?.count).toBe(2);
    expect(wait?.sum).toBeCloseTo(1.5);
    expect((await reader.points('gateway.jobs.failed')).map((p) => [p.attributes.final, p.value])).toEqual([
      [false, 1],
      [true, 1],
    ]);
  });
});

describe('observeQueueDepth', () => {
  const queue = (name: string, counts: () => Promise<Record<string, number>>): CountableQueue => ({ name, getJobCounts: counts });

  it('reads every queue on collection only, and skips a queue whose Redis is away or slow', async () => {
    const { reader, meter } = setup();
    let reads = 0;
    const healthy = queue('key-tests', async () => {
      reads += 1;
      return { waiting: 4, active: 1, delayed: 2, failed: 0, prioritized: 0 };
    });
    const broken = queue('usage-events', () => Promise.reject(new Error('Connection is closed')));
    const hanging = queue('maintenance', () => new Promise(() => undefined));
    const stop = observeQueueDepth([healthy, broken, hanging], meter);
    expect(reads).toBe(0);

    const points = await reader.points('gateway.queue.jobs');
    expect(reads).toBe(1);
    expect(points.filter((p) => p.attributes.queue === 'key-tests').map((p) => [p.attributes.state, p.value])).toEqual([
      ['waiting', 4],
      ['prioritized', 0],
      ['active', 1],
      ['delayed', 2],
      ['failed', 0],
    ]);
    expect(points.some((p) => p.attributes.queue !== 'key-tests')).toBe(false);

    stop();
    await reader.points('gateway.queue.jobs');
    expect(reads).toBe(1);
  });
});
