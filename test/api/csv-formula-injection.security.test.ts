import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyUsageEvents } from '@byok/db';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

/**
 * Finding "CSV formula injection" (#12): a cell of an export that starts with `=`, `+`, `-`, `@`,
 * a tab or a CR runs as a formula when a spreadsheet opens the file. Such text is neutralised as
 * OWASP recommends: a single quote in front, and the cell quoted.
 * The field rule itself is tested next to it (apps/api/src/http/csv-writer.test.ts); these
 * tests follow user-controlled text through the audit and usage exports.
 */
describe('CSV exports neutralise formula injection', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('csv_injection');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
  });
  afterAll(() => h.close());

  it('the audit export quotes a user agent that starts with "="', async () => {
    const userAgent = '=cmd|"/c calc"!A1';
    const saved = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: { ...alice, 'user-agent': userAgent }, payload: { provider: 'groq', api_key: FAKE_KEYS.groq } });
    expect(saved.statusCode).toBe(201);
    const csv = await h.app.inject({ url: '/api/v1/audit?format=csv', headers: alice });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain(`,"'=cmd|""/c calc""!A1",`);
    expect(csv.body).not.toMatch(/(^|,)=cmd/m);
  });

  it('the usage export quotes a model name that starts with "@"', async () => {
    await applyUsageEvents(h.db.orm.em.fork(), [
      {
        requestId: 'csv-injection-1',
        userId: 'alice',
        provider: 'openai',
        model: '@SUM(1+1)*cmd',
        credentialSource: 'user_provider',
        statusCode: 200,
        stream: false,
        promptTokens: 1,
        completionTokens: 1,
        costMicro: 1,
        creditsMicro: 0,
        latencyMs: 1,
        occurredAt: '2026-03-02T10:00:00.000Z',
      },
    ]);
    const csv = await h.app.inject({ url: '/api/v1/llm/usage?from=2026-03-01&to=2026-03-03&group_by=model&format=csv', headers: alice });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain(`\r\n"'@SUM(1+1)*cmd",`);
  });
});
