import type { Orm } from '@byok/db';
import { describe, expect, it } from 'vitest';
import { checkProxyReadiness } from './proxy-readiness.js';

function deps(options: { postgres: boolean; redis: boolean; cachedUsers?: number; cachedTokens?: number }) {
  const fail = async () => Promise.reject(new Error('connect ECONNREFUSED'));
  return {
    orm: { em: { fork: () => ({ execute: options.postgres ? async () => [] : fail }) } } as unknown as Orm,
    redis: { ping: options.redis ? async () => 'PONG' : fail },
    state: () => ({ cachedUsers: options.cachedUsers ?? 0, cachedTokens: options.cachedTokens ?? 0, usageSpilledFiles: 0 }),
  };
}

describe('checkProxyReadiness', () => {
  it('is ready with both stores, degraded without Redis, degraded without Postgres when caches are warm, unavailable when nothing is cached', async () => {
    expect(await checkProxyReadiness(deps({ postgres: true, redis: true }))).toMatchObject({ status: 'ready', details: [] });
    const noRedis = await checkProxyReadiness(deps({ postgres: true, redis: false }));
    expect(noRedis).toMatchObject({ status: 'degraded', checks: { postgres: true, redis: false } });
    expect(noRedis.details[0]).toContain('usage events wait in the local spool');
    expect(await checkProxyReadiness(deps({ postgres: false, redis: true, cachedTokens: 3 }))).toMatchObject({ status: 'degraded' });
    expect(await checkProxyReadiness(deps({ postgres: false, redis: true }))).toMatchObject({ status: 'unavailable' });
    expect(await checkProxyReadiness(deps({ postgres: false, redis: false }))).toMatchObject({ status: 'unavailable' });
  });
});
