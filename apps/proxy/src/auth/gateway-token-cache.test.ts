import type { GatewayTokenRow } from '@byok/db';
import { describe, expect, it } from 'vitest';
import { createGatewayTokenCache } from './gateway-token-cache.js';

function tokenRow(hash: string): GatewayTokenRow {
  return { id: `id-${hash}`, userId: 'token-user', orgId: null, name: 't', tokenPrefix: 'byok_x', createdAt: new Date(), lastUsedAt: null, expiresAt: null, revokedAt: null };
}

function setup() {
  const clock = { now: 1_000_000 };
  const state = { down: false, lookups: 0 };
  const stale: unknown[] = [];
  const cache = createGatewayTokenCache({
    ttlMs: 10_000,
    staleMaxMs: 600_000,
    now: () => clock.now,
    onStale: (error) => stale.push(error),
    find: async (hash) => {
      state.lookups++;
      if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      return hash === 'unknown' ? null : tokenRow(hash);
    },
  });
  return { cache, clock, state, stale };
}

describe('gateway token cache while Postgres is unreachable', () => {
  it('serves the last known answer past its TTL, across a clear (reconnect), up to staleMaxMs', async () => {
    const { cache, clock, state, stale } = setup();
    expect(await cache.get('a')).toMatchObject({ userId: 'token-user' });
    expect(await cache.get('unknown')).toBeNull();
    state.down = true;
    clock.now += 11_000;
    cache.clear();
    expect(await cache.get('a')).toMatchObject({ userId: 'token-user' });
    expect(await cache.get('unknown')).toBeNull();
    // The second answer came from the hold after the first failure, without another lookup.
    expect(stale).toHaveLength(1);
    // Right after a failure, no request waits on the database.
    const lookups = state.lookups;
    expect(await cache.get('a')).toMatchObject({ userId: 'token-user' });
    expect(state.lookups).toBe(lookups);
    // A token never seen is not invented.
    await expect(cache.get('never-seen')).rejects.toThrow('ECONNREFUSED');
    clock.now += 600_000;
    await expect(cache.get('a')).rejects.toThrow('ECONNREFUSED');
  });

  it('honours a revocation announced during the outage: a dropped token is not served stale', async () => {
    const { cache, clock, state } = setup();
    await cache.get('a');
    state.down = true;
    cache.drop('a');
    clock.now += 2000;
    await expect(cache.get('a')).rejects.toThrow('ECONNREFUSED');
  });

  it('does not remember an answer whose lookup a revocation overtook', async () => {
    const { cache, state } = setup();
    const during = cache.get('a');
    cache.drop('a');
    await during;
    state.down = true;
    await expect(cache.get('a')).rejects.toThrow('ECONNREFUSED');
  });
});
