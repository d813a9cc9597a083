import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError, ForbiddenError } from './auth.errors.js';
import { createAuthenticator, type Hs256AuthenticatorOptions } from './authenticator.js';
import { mintDevToken } from './dev-token.js';
import { requireAdmin } from './principal.js';

const SECRET = 'dev-secret-dev-secret-dev-secret-0123';
const OPTIONS: Hs256AuthenticatorOptions = {
  mode: 'hs256',
  secret: SECRET,
  issuer: 'byok-gateway',
  audience: 'byok-gateway',
  userIdClaim: 'sub',
  adminRole: 'admin',
};
const MINT = { secret: SECRET, issuer: 'byok-gateway', audience: 'byok-gateway', userIdClaim: 'sub', ttlSeconds: 3600 };

afterEach(() => {
  vi.useRealTimers();
});

describe('mintDevToken + hs256 authenticator', () => {
  it('round-trips a user token', async () => {
    const token = await mintDevToken({ ...MINT, userId: 'alice', admin: false });
    const principal = await createAuthenticator(OPTIONS).verify(`Bearer ${token}`);
    expect(principal).toEqual({ userId: 'alice', roles: [], isAdmin: false, subject: 'alice', authMethod: 'jwt' });
    expect(() => requireAdmin(principal)).toThrow(ForbiddenError);
  });

  it('round-trips an admin token, and requireAdmin lets it through', async () => {
    const token = await mintDevToken({ ...MINT, userId: 'root', admin: true });
    const principal = await createAuthenticator(OPTIONS).verify(`Bearer ${token}`);
    expect(principal.isAdmin).toBe(true);
    expect(() => requireAdmin(principal)).not.toThrow();
  });

  it('honours a custom admin role on both sides', async () => {
    const token = await mintDevToken({ ...MINT, userId: 'root', admin: true, adminRole: 'byok-admin' });
    const principal = await createAuthenticator({ ...OPTIONS, adminRole: 'byok-admin' }).verify(`Bearer ${token}`);
    expect(principal.roles).toEqual(['byok-admin']);
    expect(principal.isAdmin).toBe(true);
  });

  it('puts the user id in the configured claim too (email mode)', async () => {
    const token = await mintDevToken({ ...MINT, userIdClaim: 'email', userId: 'dana@example.com', admin: false });
    const principal = await createAuthenticator({ ...OPTIONS, userIdClaim: 'email' }).verify(`Bearer ${token}`);
    expect(principal.userId).toBe('dana@example.com');
  });

  it('refuses a token for another audience or issuer', async () => {
    const auth = createAuthenticator(OPTIONS);
    const otherAudience = await mintDevToken({ ...MINT, audience: 'other', userId: 'a', admin: false });
    const otherIssuer = await mintDevToken({ ...MINT, issuer: 'other', userId: 'a', admin: false });
    await expect(auth.verify(`Bearer ${otherAudience}`)).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(auth.verify(`Bearer ${otherIssuer}`)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('refuses secrets shorter than 32 characters when minting and verifying', async () => {
    expect(() => createAuthenticator({ ...OPTIONS, secret: 'short' })).toThrow(/at least 32/);
    await expect(mintDevToken({ ...MINT, secret: 'short', userId: 'a', admin: false })).rejects.toThrow(/at least 32/);
  });

  it('refuses to mint without a user id or with a bad ttl', async () => {
    await expect(mintDevToken({ ...MINT, userId: ' ', admin: false })).rejects.toThrow(/userId/);
    await expect(mintDevToken({ ...MINT, userId: 'a', admin: false, ttlSeconds: 0 })).rejects.toThrow(/ttlSeconds/);
  });
});

describe('verification cache', () => {
  it('never serves a cached principal after the token expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const auth = createAuthenticator(OPTIONS);
    const token = await mintDevToken({ ...MINT, ttlSeconds: 30, userId: 'alice', admin: false });
    await expect(auth.verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'alice' });
    vi.advanceTimersByTime(20_000);
    await expect(auth.verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'alice' });
    // Past exp and past the 5 s clock tolerance.
    vi.advanceTimersByTime(16_000);
    const err = await auth.verify(`Bearer ${token}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ code: 'token_expired' });
  });

  it('hands out copies, so a caller cannot change what the next request sees', async () => {
    const auth = createAuthenticator(OPTIONS);
    const token = await mintDevToken({ ...MINT, userId: 'alice', admin: false });
    const first = await auth.verify(`Bearer ${token}`);
    first.roles.push('admin');
    first.isAdmin = true;
    const second = await auth.verify(`Bearer ${token}`);
    expect(second.roles).toEqual([]);
    expect(second.isAdmin).toBe(false);
  });
});
