import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyUsageEvents, type UsageEventInput } from '@byok/db';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

let seq = 0;
/** A usage event as the proxy emits it; a successful system request unless overridden. */
function event(overrides: Partial<UsageEventInput>): UsageEventInput {
  return {
    requestId: `req-${++seq}`,
    userId: 'alice',
    provider: 'openai',
    model: 'gpt-4o-mini',
    credentialSource: 'system',
    statusCode: 200,
    stream: false,
    promptTokens: 10,
    completionTokens: 20,
    costMicro: 1000,
    creditsMicro: 1000,
    latencyMs: 50,
    occurredAt: '2026-03-02T10:00:00.000Z',
    ...overrides,
  };
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i += 2;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
    i++;
  }
  return rows;
}

describe('usage API: happy paths', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let admin: Record<string, string>;
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    h = await startApiHarness('usage_happy');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
    await h.db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted) VALUES ('alice', 'openai', 'x'), ('alice', 'openrouter', 'x')`);
    await applyUsageEvents(h.db.orm.em.fork(), [
      // Alice's own OpenAI key: two models over two days, one error.
      event({ credentialSource: 'user_provider', creditsMicro: 0, costMicro: 1500, occurredAt: '2026-03-01T08:00:00.000Z' }),
      event({ credentialSource: 'user_provider', creditsMicro: 0, costMicro: 2500, statusCode: 500, occurredAt: '2026-03-02T09:30:00.000Z' }),
      event({ credentialSource: 'user_provider', creditsMicro: 0, model: 'gpt-4o', promptTokens: 100, completionTokens: 7, costMicro: 123_456, occurredAt: '2026-03-02T23:59:59.999Z' }),
      // Through her OpenRouter key (any model), and through the system key (charged).
      event({ provider: 'openrouter', model: 'anthropic/claude-3-5-haiku', credentialSource: 'user_openrouter', creditsMicro: 0, costMicro: 700, occurredAt: '2026-03-02T12:00:00.000Z' }),
      event({ provider: 'anthropic', model: 'claude-3-5-haiku', credentialSource: 'system', costMicro: 4000, creditsMicro: 4000, occurredAt: '2026-03-03T12:00:00.000Z' }),
      // Outside the range, and another user's traffic: never in alice's March 1-3 report.
      event({ credentialSource: 'user_provider', creditsMicro: 0, occurredAt: '2026-02-28T23:59:59.999Z' }),
      event({ userId: 'bob', credentialSource: 'user_provider', creditsMicro: 0, costMicro: 9_999_999, occurredAt: '2026-03-02T10:00:00.000Z' }),
      // Today, for the default range.
      event({ credentialSource: 'user_provider', creditsMicro: 0, costMicro: 10, occurredAt: new Date().toISOString() }),
    ]);
  });
  afterAll(() => h.close());

  it("reports one key's calls, errors, tokens, cost, credits saved, models and a dense daily series", async () => {
    const res = await h.app.inject({ url: '/api/v1/llm/byok/keys/openai/usage?from=2026-03-01&to=2026-03-03', headers: alice });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ provider: 'openai', from: '2026-03-01', to: '2026-03-03' });
    expect(body.totals).toEqual({
      calls: 3,
      errors: 1,
      prompt_tokens: 120,
      completion_tokens: 47,
      byok_calls: 3,
      cost_micro: 127_456,
      cost_usd: '0.127456',
      credits_charged_micro: 0,
      credits_charged: '0.000000',
      credits_saved_micro: 127_456,
      credits_saved: '0.127456',
      last_used_at: '2026-03-02T23:59:59.999Z',
    });
    expect(body.by_model.map((m: { model: string; calls: number }) => [m.model, m.calls])).toEqual([
      ['gpt-4o', 1],
      ['gpt-4o-mini', 2],
    ]);
    expect(body.by_day.map((d: { day: string; calls: number; cost_micro: number }) => [d.day, d.calls, d.cost_micro])).toEqual([
      ['2026-03-01', 1, 1500],
      ['2026-03-02', 2, 125_956],
      ['2026-03-03', 0, 0],
    ]);
    // Last used is over all time, not only the range.
    expect(new Date(body.last_used_at).getTime()).toBeGreaterThan(Date.parse('2026-03-03'));
  });

  it('counts everything through the OpenRouter key as that key’s usage, whatever the model', async () => {
    const res = await h.app.inject({ url: '/api/v1/llm/byok/keys/openrouter/usage?from=2026-03-01&to=2026-03-03', headers: alice });
    expect(res.statusCode).toBe(200);
    expect(res.json().totals).toMatchObject({ calls: 1, cost_micro: 700, credits_saved_micro: 700 });
    expect(res.json().by_model).toEqual([expect.objectContaining({ model: 'anthropic/claude-3-5-haiku', calls: 1 })]);
  });

  it('defaults to the last 30 days, ending today (UTC)', async () => {
    const res = await h.app.inject({ url: '/api/v1/llm/byok/keys/openai/usage', headers: alice });
    const body = res.json();
    expect(body.to).toBe(today);
    expect(body.by_day).toHaveLength(30);
    expect(body.by_day.at(-1)).toMatchObject({ day: today, calls: 1 });
  });

  it('groups all of a user’s usage by provider (default), model, day and credential source, with totals', async () => {
    const url = (q: string) => `/api/v1/llm/usage?from=2026-03-01&to=2026-03-03${q}`;
    const byProvider = (await h.app.inject({ url: url(''), headers: alice })).json();
    expect(byProvider.group_by).toBe('provider');
    expect(byProvider.user_id).toBe('alice');
    expect(byProvider.groups.map((g: { key: string; calls: number }) => [g.key, g.calls])).toEqual([
      ['anthropic', 1],
      ['openai', 3],
      ['openrouter', 1],
    ]);
    expect(byProvider.totals).toMatchObject({
      calls: 5,
      errors: 1,
      byok_calls: 4,
      cost_micro: 132_156,
      credits_charged_micro: 4000,
      credits_charged: '0.004000',
      credits_saved_micro: 128_156,
    });
    for (const groupBy of ['model', 'day', 'credential_source']) {
      const body = (await h.app.inject({ url: url(`&group_by=${groupBy}`), headers: alice })).json();
      expect(body.group_by).toBe(groupBy);
      expect(body.totals).toEqual(byProvider.totals);
    }
    const bySource = (await h.app.inject({ url: url('&group_by=credential_source'), headers: alice })).json();
    expect(bySource.groups.map((g: { key: string; calls: number }) => [g.key, g.calls])).toEqual([
      ['system', 1],
      ['user_openrouter', 1],
      ['user_provider', 3],
    ]);
  });

  it("narrows a report to one model's or provider's traffic: a model's daily series", async () => {
    const url = (q: string) => `/api/v1/llm/usage?from=2026-03-01&to=2026-03-03&group_by=day${q}`;
    const mini = (await h.app.inject({ url: url('&model=gpt-4o-mini'), headers: alice })).json();
    expect(mini).toMatchObject({ model: 'gpt-4o-mini', group_by: 'day' });
    expect(mini.groups.map((g: { key: string; calls: number; errors: number }) => [g.key, g.calls, g.errors])).toEqual([
      ['2026-03-01', 1, 0],
      ['2026-03-02', 1, 1],
    ]);
    const openai = (await h.app.inject({ url: url('&provider=openai'), headers: alice })).json();
    expect(openai).toMatchObject({ provider: 'openai', totals: { calls: 3, cost_micro: 127_456 } });
    const both = (await h.app.inject({ url: url('&provider=openrouter&model=gpt-4o-mini'), headers: alice })).json();
    expect(both.totals.calls).toBe(0);
    // Bob's traffic on the same model never shows in Alice's series.
    expect(mini.totals.cost_micro).toBe(4000);
  });

  it('answers CSV for format=csv and for Accept: text/csv, with a header row and the same groups', async () => {
    const json = (await h.app.inject({ url: '/api/v1/llm/usage?from=2026-03-01&to=2026-03-03&group_by=model', headers: alice })).json();
    for (const request of [
      { url: '/api/v1/llm/usage?from=2026-03-01&to=2026-03-03&group_by=model&format=csv', headers: alice },
      { url: '/api/v1/llm/usage?from=2026-03-01&to=2026-03-03&group_by=model', headers: { ...alice, accept: 'text/csv' } },
    ]) {
      const res = await h.app.inject(request);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(/attachment; filename="usage-2026-03-01-2026-03-03-by-model.csv"/);
      const [header, ...rows] = parseCsv(res.body);
      expect(header?.[0]).toBe('model');
      const parsed = rows.map((r) => Object.fromEntries((header ?? []).map((name, i) => [name, r[i]])));
      expect(parsed).toEqual(
        json.groups.map((g: Record<string, unknown>) => {
          const { key, ...metrics } = g;
          return Object.fromEntries([['model', key], ...Object.entries(metrics).map(([k, v]) => [k, v === null ? '' : String(v)])]);
        }),
      );
    }
  });

  it('lets an admin read any user’s usage and the platform totals with BYOK shares', async () => {
    const bob = await h.app.inject({ url: '/api/v1/llm/usage?from=2026-03-01&to=2026-03-03&user=bob', headers: admin });
    expect(bob.statusCode).toBe(200);
    expect(bob.json()).toMatchObject({ user_id: 'bob', totals: { calls: 1, cost_micro: 9_999_999, cost_usd: '9.999999' } });

    const platform = await h.app.inject({ url: '/api/v1/admin/usage?from=2026-03-01&to=2026-03-03', headers: admin });
    expect(platform.statusCode).toBe(200);
    const body = platform.json();
    expect(body.totals).toMatchObject({ calls: 6, byok_calls: 5, cost_micro: 10_132_155 });
    expect(body.totals.byok_call_share).toBeCloseTo(5 / 6, 6);
    const openai = body.providers.find((p: { provider: string }) => p.provider === 'openai');
    expect(openai).toMatchObject({ calls: 4, byok_calls: 4, byok_call_share: 1, byok_cost_share: 1 });
    const anthropic = body.providers.find((p: { provider: string }) => p.provider === 'anthropic');
    expect(anthropic).toMatchObject({ calls: 1, byok_calls: 0, byok_call_share: 0, byok_cost_share: 0 });
  });

  it('reports, beside the provider’s figures, what the key ?label= names answered alone', async () => {
    const [defaultId, workId] = ['2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d', '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f'];
    await h.db.sql(`INSERT INTO user_provider_keys (id, user_id, provider, label, api_key_encrypted) VALUES ($1, 'carol', 'openai', 'default', 'x'), ($2, 'carol', 'openai', 'work', 'x')`, [defaultId, workId]);
    const byok = { userId: 'carol', credentialSource: 'user_provider' as const, creditsMicro: 0, occurredAt: '2026-03-02T10:00:00.000Z' };
    await applyUsageEvents(h.db.orm.em.fork(), [
      event({ ...byok, keyId: workId, costMicro: 300 }),
      event({ ...byok, keyId: workId, costMicro: 400, statusCode: 429 }),
      event({ ...byok, keyId: defaultId, costMicro: 5000, model: 'gpt-4o' }),
    ]);
    const carol = { authorization: `Bearer ${await h.token('carol')}` };
    const report = async (query: string) => (await h.app.inject({ url: `/api/v1/llm/byok/keys/openai/usage?from=2026-03-01&to=2026-03-03${query}`, headers: carol })).json();
    const work = await report('&label=WORK');
    expect(work.totals).toMatchObject({ calls: 3, cost_micro: 5700 });
    expect(work.key).toMatchObject({ id: workId, label: 'work', last_used_at: '2026-03-02T10:00:00.000Z' });
    expect(work.key.totals).toMatchObject({ calls: 2, errors: 1, cost_micro: 700, byok_calls: 2, credits_saved_micro: 700 });
    expect(work.key.by_model).toEqual([expect.objectContaining({ model: 'gpt-4o-mini', calls: 2 })]);
    expect(work.key.by_day.map((d: { day: string; calls: number }) => [d.day, d.calls])).toEqual([
      ['2026-03-01', 0],
      ['2026-03-02', 2],
      ['2026-03-03', 0],
    ]);
    const fallback = await report('');
    expect(fallback.totals).toEqual(work.totals);
    expect(fallback.key).toMatchObject({ id: defaultId, label: 'default', totals: { calls: 1, cost_micro: 5000 } });
  });

  it('reports zeros, not errors, for a key without traffic in the range', async () => {
    const res = await h.app.inject({ url: '/api/v1/llm/byok/keys/openai/usage?from=2025-01-01&to=2025-01-02', headers: alice });
    expect(res.statusCode).toBe(200);
    expect(res.json().totals).toMatchObject({ calls: 0, cost_usd: '0.000000', last_used_at: null });
    expect(res.json().by_model).toEqual([]);
  });

  it('documents every route and response in the OpenAPI document', async () => {
    const doc = (await h.app.inject({ url: '/docs/json' })).json();
    const paths = doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    expect(Object.keys(paths['/api/v1/llm/usage']?.get?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(Object.keys(paths['/api/v1/llm/usage']?.get?.responses?.['200'] as object)).toContain('content');
    expect(paths['/api/v1/llm/byok/keys/{provider}/usage']?.get?.responses).toHaveProperty('404');
    expect(paths['/api/v1/admin/usage']?.get?.responses).toHaveProperty('403');
  });
});
