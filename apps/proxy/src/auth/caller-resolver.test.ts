import { AuthError, generateGatewayToken, type Principal } from '@byok/auth';
import { describe, expect, it } from 'vitest';
import { createCallerResolver } from './caller-resolver.js';
import { createGatewayTokenCache } from './gateway-token-cache.js';

const principal: Principal = { userId: 'jwt-user', roles: [], isAdmin: false, subject: 'jwt-user', authMethod: 'jwt' };

function setup(rows: Record<string, { revokedAt?: Date | null; expiresAt?: Date | string | null; orgId?: string }>, clock = { now: Date.now() }) {
  const lookups: string[] = [];
  const tokens = createGatewayTokenCache({
    now: () => clock.now,
    ttlMs: 10_000,
    staleMaxMs: 600_000,
    find: async (hash) => {
      lookups.push(hash);
      const row = rows[hash];
      if (!row) return null;
      return { id: `id-${hash.slice(0, 6)}`, userId: 'token-user', name: 't', tokenPrefix: 'byok_x', createdAt: new Date(), lastUsedAt: null, expiresAt: (row.expiresAt ?? null) as Date | null, revokedAt: row.revokedAt ?? null, orgId: row.orgId ?? null };
    },
  });
  const verified: Array<string | undefined> = [];
  const resolver = createCallerResolver({
    tokens,
    now: () => clock.now,
    authenticator: {
      async verify(header) {
        verified.push(header);
        if (header !== 'Bearer good.jwt.sig') throw new AuthError('invalid_token', 'The bearer token is not a signed JWT');
        return principal;
      },
    },
  });
  return { resolve: resolver.resolve, fromMemory: resolver.fromMemory, tokens, lookups, verified };
}

describe('createCallerResolver', () => {
  it('resolves a gateway token by its hash, once per TTL, and never sends it to the JWT verifier', async () => {
    const t = generateGatewayToken();
    const s = setup({ [t.hash]: {} });
    for (let i = 0; i < 3; i++) expect(await s.resolve(`Bearer ${t.token}`)).toEqual({ userId: 'token-user', via: 'gateway_token', tokenId: `id-${t.hash.slice(0, 6)}` });
    expect(s.lookups).toEqual([t.hash]);
    expect(s.verified).toEqual([]);
  });

  it('refuses unknown, revoked and expired tokens (expiry read from text timestamps too)', async () => {
    const unknown = generateGatewayToken();
    const revoked = generateGatewayToken();
    const expired = generateGatewayToken();
    const s = setup({ [revoked.hash]: { revokedAt: new Date() }, [expired.hash]: { expiresAt: '2020-01-01 00:00:00+00' } });
    await expect(s.resolve(`Bearer ${unknown.token}`)).rejects.toMatchObject({ code: 'invalid_token', status: 401 });
    await expect(s.resolve(`Bearer ${revoked.token}`)).rejects.toMatchObject({ code: 'invalid_token', message: 'The gateway token was revoked' });
    await expect(s.resolve(`Bearer ${expired.token}`)).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('sends everything else to the JWT authenticator', async () => {
    const s = setup({});
    expect(await s.resolve('Bearer good.jwt.sig')).toEqual({ userId: 'jwt-user', via: 'jwt' });
    // A token-shaped value with a wrong checksum is not looked up; the JWT verifier refuses it.
    const t = generateGatewayToken();
    const typo = `${t.token.slice(0, -1)}${t.token.endsWith('A') ? 'B' : 'A'}`;
    await expect(s.resolve(`Bearer ${typo}`)).rejects.toBeInstanceOf(AuthError);
    await expect(s.resolve(undefined)).rejects.toBeInstanceOf(AuthError);
    expect(s.lookups).toEqual([]);
  });
});

describe('createCallerResolver: callers from memory', () => {
  it('knows a gateway token once it was resolved, with the same answer and no lookup', async () => {
    const t = generateGatewayToken();
    const s = setup({ [t.hash]: {} });
    const header = `Bearer ${t.token}`;
    expect(s.fromMemory(header, undefined)).toBeUndefined();
    const resolved = await s.resolve(header);
    expect(s.fromMemory(header, undefined)).toEqual(resolved);
    expect(s.lookups).toEqual([t.hash]);
  });

  it('leaves to resolve what memory cannot answer alone: an org header, a JWT, an unknown token, a revocation, an expiry, a stale entry', async () => {
    const clock = { now: Date.now() };
    const t = generateGatewayToken();
    const expiring = generateGatewayToken();
    const unknown = generateGatewayToken();
    const s = setup({ [t.hash]: {}, [expiring.hash]: { expiresAt: new Date(clock.now + 5_000) } }, clock);
    for (const token of [t, expiring]) await s.resolve(`Bearer ${token.token}`);
    await expect(s.resolve(`Bearer ${unknown.token}`)).rejects.toMatchObject({ code: 'invalid_token' });
    await s.resolve('Bearer good.jwt.sig');

    expect(s.fromMemory(`Bearer ${t.token}`, '0b6f6c1e-4f5a-4c1e-9d7b-2a1c3e5f7a90')).toBeUndefined();
    expect(s.fromMemory('Bearer good.jwt.sig', undefined)).toBeUndefined();
    expect(s.fromMemory(`Bearer ${unknown.token}`, undefined)).toBeUndefined();
    expect(s.fromMemory(undefined, undefined)).toBeUndefined();

    clock.now += 6_000;
    expect(s.fromMemory(`Bearer ${expiring.token}`, undefined)).toBeUndefined();
    await expect(s.resolve(`Bearer ${expiring.token}`)).rejects.toMatchObject({ code: 'token_expired' });

    // A revocation drops the token from the cache: the next request goes through resolve and its lookup.
    expect(s.fromMemory(`Bearer ${t.token}`, undefined)).toMatchObject({ userId: 'token-user' });
    s.tokens.drop(t.hash);
    expect(s.fromMemory(`Bearer ${t.token}`, undefined)).toBeUndefined();
    // Past the cache's TTL the fresh answer is gone as well.
    await s.resolve(`Bearer ${t.token}`);
    clock.now += 10_001;
    expect(s.fromMemory(`Bearer ${t.token}`, undefined)).toBeUndefined();
  });
});

describe('createCallerResolver: acting for an organization', () => {
  const ORG = '0b6f6c1e-4f5a-4c1e-9d7b-2a1c3e5f7a90';
  const OTHER = '5d1c0e2b-8a7f-4b3c-9e1d-0f2a4b6c8d10';

  it('takes the org from x-byok-org, lower-cased, for a JWT caller', async () => {
    const s = setup({});
    expect(await s.resolve('Bearer good.jwt.sig', ORG.toUpperCase())).toEqual({ userId: 'jwt-user', via: 'jwt', orgId: ORG });
  });

  it('answers a malformed org id like a non-member (404 org_not_found), after the credential is accepted', async () => {
    const s = setup({});
    for (const header of ['', 'not-a-uuid', `${ORG}\u0000`, `${ORG}, ${OTHER}`, [ORG, OTHER], '\ud800', 'x'.repeat(10_000)]) {
      await expect(s.resolve('Bearer good.jwt.sig', header)).rejects.toMatchObject({ code: 'org_not_found', status: 404 });
    }
    await expect(s.resolve('Bearer bad', 'not-a-uuid')).rejects.toBeInstanceOf(AuthError);
  });

  it('an org token acts for its org, accepts its own id in the header, and refuses another (400 org_mismatch)', async () => {
    const t = generateGatewayToken();
    const s = setup({ [t.hash]: { orgId: ORG.toUpperCase() } });
    expect(await s.resolve(`Bearer ${t.token}`)).toMatchObject({ userId: 'token-user', orgId: ORG });
    expect(await s.resolve(`Bearer ${t.token}`, ORG)).toMatchObject({ orgId: ORG });
    await expect(s.resolve(`Bearer ${t.token}`, OTHER)).rejects.toMatchObject({ code: 'org_mismatch', status: 400 });
    await expect(s.resolve(`Bearer ${t.token}`, 'garbage')).rejects.toMatchObject({ code: 'org_mismatch' });
  });
});

