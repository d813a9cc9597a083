import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyUsageEvents, type UsageEventInput } from '@byok/db';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

const FROM = '2026-03-01';
const TO = '2026-03-10';
const ROUTES: Array<Pick<UsageEventInput, 'provider' | 'model' | 'credentialSource'>> = [
  { provider: 'openai', model: 'gpt-4o-mini', credentialSource: 'user_provider' },
  { provider: 'openai', model: 'gpt-4o', credentialSource: 'system' },
  { provider: 'anthropic', model: 'claude-3-5-haiku', credentialSource: 'user_provider' },
  { provider: 'openrouter', model: 'anthropic/claude-3-5-haiku', credentialSource: 'user_openrouter' },
  { provider: 'openrouter', model: 'meta-llama/llama-3.3-70b-instruct', credentialSource: 'system' },
];

/** Events around the range (two days either side), for two users, over every credential path. */
const eventArb = fc.record({
  userId: fc.constantFrom('alice', 'bob'),
  route: fc.constantFrom(...ROUTES),
  statusCode: fc.constantFrom(200, 200, 200, 429, 502),
  promptTokens: fc.nat(200_000),
  completionTokens: fc.nat(50_000),
  costMicro: fc.nat(50_000_000),
  creditsMicro: fc.nat(60_000_000),
  occurredAtMs: fc.integer({ min: Date.parse('2026-02-27T00:00:00Z'), max: Date.parse('2026-03-12T23:59:59.999Z') }),
});

interface Expected {
  calls: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  byok_calls: number;
  cost_micro: number;
  credits_charged_micro: number;
  credits_saved_micro: number;
  last_used_at: string | null;
}

/** The sums the endpoints must report, computed straight from the raw events. */
function sums(events: UsageEventInput[]): Expected {
  const byok = events.filter((e) => e.credentialSource !== 'system');
  const latest = events.reduce<number | null>((max, e) => Math.max(max ?? 0, Date.parse(e.occurredAt)), null);
  const total = (list: UsageEventInput[], pick: (e: UsageEventInput) => number) => list.reduce((n, e) => n + pick(e), 0);
  return {
    calls: events.length,
    errors: events.filter((e) => e.statusCode >= 400).length,
    prompt_tokens: total(events, (e) => e.promptTokens),
    completion_tokens: total(events, (e) => e.completionTokens),
    byok_calls: byok.length,
    cost_micro: total(events, (e) => e.costMicro),
    // System traffic is charged; BYOK traffic never is.
    credits_charged_micro: total(events, (e) => (e.credentialSource === 'system' ? e.creditsMicro : 0)),
    credits_saved_micro: total(byok, (e) => e.costMicro),
    last_used_at: latest === null ? null : new Date(latest).toISOString(),
  };
}

const inRange = (e: UsageEventInput) => e.occurredAt.slice(0, 10) >= FROM && e.occurredAt.slice(0, 10) <= TO;
const pickExpected = (m: Record<string, unknown>) =>
  Object.fromEntries(['calls', 'errors', 'prompt_tokens', 'completion_tokens', 'byok_calls', 'cost_micro', 'credits_charged_micro', 'credits_saved_micro', 'last_used_at'].map((k) => [k, m[k]]));

describe('usage API: totals equal the sums over the raw events (property)', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let admin: Record<string, string>;
  let run = 0;
  beforeAll(async () => {
    h = await startApiHarness('usage_property');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
    await h.db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted) VALUES ('alice', 'openai', 'x'), ('alice', 'openrouter', 'x')`);
  });
  afterAll(() => h.close());

  const get = async (url: string, headers: Record<string, string>) => {
    const res = await h.app.inject({ url, headers });
    expect(res.statusCode, url).toBe(200);
    return res.json();
  };

  it('for any set of events, every report, group and key view adds up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { maxLength: 40 }), fc.constantFrom('provider', 'model', 'day', 'credential_source'), fc.integer({ min: 1, max: 3 }), async (generated, groupBy, batches) => {
        run++;
        await h.db.sql('DELETE FROM usage_events');
        await h.db.sql('DELETE FROM usage_daily');
        await h.db.sql('DELETE FROM usage_platform_daily');
        const events: UsageEventInput[] = generated.map((g, i) => ({
          requestId: `r${run}-${i}`,
          userId: g.userId,
          ...g.route,
          statusCode: g.statusCode,
          stream: false,
          promptTokens: g.promptTokens,
          completionTokens: g.completionTokens,
          costMicro: g.costMicro,
          creditsMicro: g.creditsMicro,
          latencyMs: 1,
          occurredAt: new Date(g.occurredAtMs).toISOString(),
        }));
        // The consumer may see the events in several batches; the sums must not depend on it.
        const size = Math.ceil(events.length / batches) || 1;
        for (let i = 0; i < events.length; i += size) await applyUsageEvents(h.db.orm.em.fork(), events.slice(i, i + size));

        const aliceInRange = events.filter((e) => e.userId === 'alice' && inRange(e));
        const report = await get(`/api/v1/llm/usage?from=${FROM}&to=${TO}&group_by=${groupBy}`, alice);
        expect(pickExpected(report.totals)).toEqual(sums(aliceInRange));
        const keyOf = (e: UsageEventInput) =>
          groupBy === 'day' ? e.occurredAt.slice(0, 10) : groupBy === 'credential_source' ? e.credentialSource : groupBy === 'model' ? e.model : e.provider;
        const keys = [...new Set(aliceInRange.map(keyOf))].sort();
        expect(report.groups.map((g: { key: string }) => g.key)).toEqual(keys);
        for (const group of report.groups) expect(pickExpected(group)).toEqual(sums(aliceInRange.filter((e) => keyOf(e) === group.key)));

        const openai = await get(`/api/v1/llm/byok/keys/openai/usage?from=${FROM}&to=${TO}`, alice);
        expect(pickExpected(openai.totals)).toEqual(sums(aliceInRange.filter((e) => e.credentialSource === 'user_provider' && e.provider === 'openai')));
        expect(openai.by_day.reduce((n: number, d: { calls: number }) => n + d.calls, 0)).toBe(openai.totals.calls);
        const openrouter = await get(`/api/v1/llm/byok/keys/openrouter/usage?from=${FROM}&to=${TO}`, alice);
        expect(pickExpected(openrouter.totals)).toEqual(sums(aliceInRange.filter((e) => e.credentialSource === 'user_openrouter')));

        const platform = await get(`/api/v1/admin/usage?from=${FROM}&to=${TO}`, admin);
        expect(pickExpected(platform.totals)).toEqual(sums(events.filter(inRange)));
      }),
      { numRuns: 60 },
    );
  });
});
