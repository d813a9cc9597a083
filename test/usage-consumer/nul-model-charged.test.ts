import { CREDITS_COUNTER, reserve, reservedTotal } from '@byok/reservations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsumerHarness, startConsumerHarness } from './support/consumer-harness.js';
import { makeEvent, readCredits } from './support/usage-fixtures.js';

/**
 * Security finding (issue #12, item 6): "A model name with NUL is never charged" — the usage row
 * failed to insert (SQLSTATE 22021) and the job was dropped with its charge. The consumer now
 * stores such an event with its text cleaned, keeping tokens and charge.
 */
describe('a model name with NUL is never charged (finding 6)', () => {
  let h: ConsumerHarness;
  beforeAll(async () => {
    h = await startConsumerHarness('nul_model');
    await h.startConsumer();
  });
  afterAll(async () => {
    await h.close();
  });

  it('stores the event with its text cleaned and charges it, through the queue', async () => {
    const events = [
      makeEvent({ requestId: 'nul-model', userId: 'nul-user', model: 'gpt-4o\u0000', promptTokens: 2000, creditsMicro: 7530, estimated: true }),
      makeEvent({ requestId: 'surrogate-model', userId: 'nul-user', model: 'gemini-\uD800', creditsMicro: 100 }),
      makeEvent({ requestId: 'fine', userId: 'nul-user', creditsMicro: 120 }),
    ];
    await h.enqueue(events);
    await h.waitUntilDrained(20_000);
    expect((await h.jobCounts()).failed).toBe(0);
    const rows = await h.db.sql<{ request_id: string; model: string; prompt_tokens: number; estimated: boolean }>(
      'SELECT request_id, model, prompt_tokens, estimated FROM usage_events ORDER BY request_id',
    );
    expect(rows).toEqual([
      { request_id: 'fine', model: 'gpt-4o-mini', prompt_tokens: 10, estimated: false },
      { request_id: 'nul-model', model: 'gpt-4o\uFFFD', prompt_tokens: 2000, estimated: true },
      { request_id: 'surrogate-model', model: 'gemini-\uFFFD', prompt_tokens: 10, estimated: false },
    ]);
    expect((await readCredits(h.db)).get('nul-user')).toEqual({ balance: -(7530 + 100 + 120), debited: 7530 + 100 + 120, charges: 3 });
    // The estimated charge is marked so in the ledger.
    expect(await h.db.sql("SELECT details->>'estimated' AS estimated FROM credit_ledger WHERE request_id = 'nul-model'")).toEqual([{ estimated: 'true' }]);
  });

  it('ends the credit reservation of a charged event once the ledger has it', async () => {
    const scope = { prefix: h.redisPrefix, scope: 'held-user' };
    await reserve(h.runtime.redis, { ...scope, id: 'held', ttlMs: 600_000, counters: [{ counter: CREDITS_COUNTER, amount: 500 }] });
    await h.enqueue([makeEvent({ requestId: 'held', userId: 'held-user', creditsMicro: 400 })]);
    await h.waitUntilDrained(20_000);
    // Released after the balance cache's lifetime plus a second, not at once.
    expect(await reservedTotal(h.runtime.redis, scope, CREDITS_COUNTER)).toBe(500);
    const lapseMs = h.config.proxy.balanceCacheTtlMs + 1000;
    await new Promise((resolve) => setTimeout(resolve, lapseMs + 200));
    // Lapsed reservations leave at the next call on the counter.
    await reserve(h.runtime.redis, { ...scope, id: 'probe', ttlMs: 1000, counters: [{ counter: CREDITS_COUNTER, amount: 0 }] });
    expect(await reservedTotal(h.runtime.redis, scope, CREDITS_COUNTER)).toBe(0);
  });
});
