import type { UsageEvent } from '@byok/queues';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { parseUsageEvent } from './usage-event.payload.js';

const valid: UsageEvent = {
  requestId: 'req-1',
  userId: 'user-1',
  provider: 'openai',
  model: 'gpt-4o-mini',
  credentialSource: 'system',
  statusCode: 200,
  stream: true,
  promptTokens: 12,
  completionTokens: 34,
  costMicro: 56,
  creditsMicro: 78,
  latencyMs: 90,
  ttfbMs: 12,
  occurredAt: '2026-11-27T10:00:00.000Z',
};

describe('parseUsageEvent', () => {
  it('returns a valid event unchanged', () => {
    expect(parseUsageEvent(valid)).toBe(valid);
    expect(parseUsageEvent({ ...valid, occurredAt: '2026-11-27T23:30:00-05:00' })).toMatchObject({ occurredAt: '2026-11-27T23:30:00-05:00' });
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'hello', /schema/],
    ['a missing field', { ...valid, requestId: undefined }, /schema/],
    ['an unknown provider', { ...valid, provider: 'acme' }, /\/provider/],
    ['an unknown source', { ...valid, credentialSource: 'stolen' }, /\/credentialSource/],
    ['an extra field', { ...valid, prompt: 'secret text' }, /schema/],
    ['a negative cost', { ...valid, costMicro: -1 }, /\/costMicro/],
    ['a fractional token count', { ...valid, promptTokens: 1.5 }, /\/promptTokens/],
    ['a leap second', { ...valid, occurredAt: '2026-12-31T23:59:60Z' }, /occurredAt/],
    ['a year before 2000', { ...valid, occurredAt: '1999-12-31T23:59:59Z' }, /occurredAt/],
    ['tokens over the column', { ...valid, completionTokens: 2 ** 31 }, /\/completionTokens exceeds/],
    ['credits past 2^53', { ...valid, creditsMicro: 2 ** 60 }, /\/creditsMicro exceeds/],
  ])('fails without retry on %s, naming the field but not the value', (_label, data, message) => {
    let thrown: unknown;
    try {
      parseUsageEvent(data);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('secret text');
  });
});
