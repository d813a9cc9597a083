import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WARM_UP_OWNER_PREFIX } from '../../apps/api/src/warm-up/api-warm-up.js';
import { freePort } from '../support/free-port.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

interface PooledPgClient {
  connection: { parsedStatements: Record<string, string> };
}
interface PoolClient {
  acquireConnection(): Promise<PooledPgClient>;
  releaseConnection(connection: PooledPgClient): Promise<unknown>;
}

/**
 * A fresh API warms up before it answers (#15): its pool connections each have the keys routes'
 * statements prepared, and nothing the warm-up did stays behind (no key, audit record or job).
 */
describe('API warm-up', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness('api_warm_up');
  });
  afterAll(() => h.close());

  it('logs what it warmed, and none of its own requests', () => {
    const line = h.logs.map((l) => JSON.parse(l) as { msg?: string; connections?: number; stepMs?: Record<string, number> }).find((l) => l.msg === 'warmed up');
    expect(line?.connections).toBe(h.runtime.config.databasePoolMax);
    expect(Object.keys(line?.stepMs ?? {})).toEqual(expect.arrayContaining(['pool', 'authenticator', 'keys', 'health', 'http']));
    expect(h.logs.filter((l) => l.includes('warm-up step failed'))).toEqual([]);
    expect(h.logs.filter((l) => l.includes('byok-warm-up') || l.includes('request completed') || l.includes('incoming request'))).toEqual([]);
  });

  it('answers a request with the warm-up\'s kind of credential only through the real sign-in', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/llm/byok/keys', headers: { authorization: 'Bearer warm-up.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    expect(res.statusCode).toBe(401);
  });

  it('prepared the listing and the save statements on every warmed connection', async () => {
    const pool = h.runtime.orm.em.getKnex().client as unknown as PoolClient;
    const held = await Promise.all(Array.from({ length: h.runtime.config.databasePoolMax }, () => pool.acquireConnection()));
    try {
      for (const connection of held) {
        expect(Object.keys(connection.connection.parsedStatements)).toEqual(expect.arrayContaining(['byok_find_user_keys', 'byok_find_key_row_id', 'byok_upsert_provider_key_audited']));
      }
    } finally {
      await Promise.all(held.map((connection) => pool.releaseConnection(connection)));
    }
  });

  it('leaves no key, audit record or job behind', async () => {
    const owners = `${WARM_UP_OWNER_PREFIX}%`;
    expect(await h.db.sql('SELECT id FROM user_provider_keys WHERE user_id LIKE $1', [owners])).toEqual([]);
    expect(await h.db.sql('SELECT id FROM audit_log WHERE subject_user_id LIKE $1 OR actor_id LIKE $1', [owners])).toEqual([]);
    const counts = await h.runtime.producers.keyTests.queue.getJobCounts();
    expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBe(0);
  });
});

describe('API warm-up without Postgres', () => {
  it('starts anyway once the pool gives up, skipping the rehearsals rather than waiting out each', async () => {
    const port = await freePort();
    const startedAt = performance.now();
    const h = await startApiHarness('api_warm_up_no_pg', { databaseUrl: () => `postgres://postgres@127.0.0.1:${port}/nothing` });
    try {
      // warmPool waits one acquire timeout (3 s); the rehearsals are skipped instead of waiting again.
      expect(performance.now() - startedAt).toBeLessThan(20_000);
      const failed = h.logs.filter((l) => l.includes('warm-up step failed')).map((l) => JSON.parse(l) as { step: string; err: { message: string } });
      expect(failed.map((f) => [f.step, f.err.message])).toEqual([
        ['keys', 'no database connection could be opened'],
        ['http', 'no database connection could be opened'],
      ]);
      expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    } finally {
      await h.close();
    }
  });
});
