import { describe, expect, it } from 'vitest';
import { readUsageConsumerEnv } from './usage-consumer-env.js';

describe('usage consumer env', () => {
  it('leaves everything at the defaults when unset', () => {
    expect(readUsageConsumerEnv({})).toEqual({});
  });

  it('reads every variable', () => {
    expect(
      readUsageConsumerEnv({
        USAGE_EVENTS_RETENTION_DAYS: '30',
        USAGE_CONSUMER_BATCH_SIZE: ' 500 ',
        USAGE_CONSUMER_BATCH_WAIT_MS: '0',
        USAGE_CONSUMER_CONCURRENT_BATCHES: '3',
      }),
    ).toEqual({ retentionDays: 30, batchSize: 500, batchWaitMs: 0, concurrentBatches: 3 });
  });

  it.each([['USAGE_EVENTS_RETENTION_DAYS', '0'], ['USAGE_EVENTS_RETENTION_DAYS', '90d'], ['USAGE_CONSUMER_BATCH_SIZE', '-1'], ['USAGE_CONSUMER_BATCH_SIZE', '5001'], ['USAGE_CONSUMER_BATCH_WAIT_MS', '1.5']])(
    'names %s when it is %j',
    (name, value) => {
      expect(() => readUsageConsumerEnv({ [name]: value })).toThrow(new RegExp(`^Invalid ${name}: `));
    },
  );
});
