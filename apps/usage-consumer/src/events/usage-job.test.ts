import { MAX_USAGE_BATCH_EVENTS, type UsageEvent } from '@byok/queues';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { settleUsageJob } from './usage-job.outcome.js';
import { parseUsageJob } from './usage-job.payload.js';

const event = (requestId: string): UsageEvent => ({
  requestId,
  userId: 'user-1',
  provider: 'openai',
  model: 'gpt-4o-mini',
  credentialSource: 'user_provider',
  statusCode: 200,
  stream: false,
  promptTokens: 1,
  completionTokens: 2,
  costMicro: 3,
  creditsMicro: 0,
  latencyMs: 4,
  occurredAt: '2026-11-27T10:00:00.000Z',
});

function thrownBy(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('parseUsageJob', () => {
  it('reads a batch, and a single event as proxies before batching sent it', () => {
    expect(parseUsageJob({ events: [event('a'), event('b')] })).toEqual({ events: [event('a'), event('b')], refused: [] });
    expect(parseUsageJob(event('legacy'))).toEqual({ events: [event('legacy')], refused: [] });
  });

  it('keeps the good events of a batch and says why the others were refused, without their values', () => {
    const parsed = parseUsageJob({ events: [event('a'), { ...event('b'), prompt: 'secret text' }, 'junk', event('c')] });
    expect(parsed.events.map((e) => e.requestId)).toEqual(['a', 'c']);
    expect(parsed.refused).toHaveLength(2);
    expect(parsed.refused.join(' ')).toMatch(/schema/);
    expect(parsed.refused.join(' ')).not.toContain('secret text');
  });

  it.each<[string, unknown]>([
    ['an empty batch', { events: [] }],
    ['an oversized batch', { events: Array.from({ length: MAX_USAGE_BATCH_EVENTS + 1 }, (_, i) => event(`e${i}`)) }],
    ['a batch with extra fields (read as an event)', { events: [event('a')], note: 'x' }],
    ['neither a batch nor an event', 'hello'],
  ])('fails %s without retry', (_label, data) => {
    expect(thrownBy(() => parseUsageJob(data))).toBeInstanceOf(UnrecoverableError);
  });
});

describe('settleUsageJob', () => {
  const stored = { status: 'fulfilled', value: { duplicate: false } } as const;
  const duplicate = { status: 'fulfilled', value: { duplicate: true } } as const;

  it('counts new and already stored events', () => {
    expect(settleUsageJob([stored, duplicate, stored], [])).toEqual({ stored: 2, duplicates: 1 });
  });

  it('retries the whole job when any event failed for a passing reason', () => {
    const unavailable = new Error('database unavailable; usage event will be retried');
    const error = thrownBy(() => settleUsageJob([stored, { status: 'rejected', reason: unavailable }, { status: 'rejected', reason: new UnrecoverableError('refused') }], []));
    expect(error).toBe(unavailable);
  });

  it('fails without retry, after storing the rest, when events were refused for good', () => {
    const error = thrownBy(() => settleUsageJob([stored, duplicate, { status: 'rejected', reason: new UnrecoverableError('usage event refused by the database: out of range') }], ['usage event does not match its schema: /provider']));
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect(error.message).toBe('2 of 4 usage events refused (1 stored, 1 already stored); first: usage event does not match its schema: /provider');
  });
});
