import { describe, expect, it } from 'vitest';
import { createAuthenticator } from './authenticator.js';
import { mintDevToken } from './dev-token.js';
import { generateGatewayToken } from './gateway-token.js';

// Issue #12 (Low): a JWT `sub` with a lone UTF-16 surrogate answered 500, and such subjects would
// collapse into one identity (Postgres stores every lone surrogate as U+FFFD).

const SECRET = 'test-secret-that-is-long-enough-0123456789';
const settings = { issuer: 'byok-gateway', audience: 'byok-gateway', userIdClaim: 'sub', adminRole: 'admin' };
const auth = createAuthenticator({ mode: 'hs256', secret: SECRET, ...settings });
const tokenFor = (userId: string) => mintDevToken({ secret: SECRET, ...settings, userId, admin: false, ttlSeconds: 60 });

describe('a user id that cannot be stored as itself', () => {
  it.each([
    ['a lone high surrogate', 'alice\uD800'],
    ['a lone low surrogate', '\uDC00bob'],
    ['a reversed pair', 'x\uDC00\uD800'],
    ['a NUL character', 'carol\u0000'],
  ])('refuses %s with 401 invalid_token and a clear message', async (_name, userId) => {
    await expect(auth.verify(`Bearer ${await tokenFor(userId)}`)).rejects.toMatchObject({
      code: 'invalid_token',
      status: 401,
      message: expect.stringMatching(/not valid text/),
    });
  });

  it('accepts a proper surrogate pair (an emoji in a user id is fine)', async () => {
    await expect(auth.verify(`Bearer ${await tokenFor('dana\u{1F600}')}`)).resolves.toMatchObject({ userId: 'dana\u{1F600}' });
  });
});

describe('a user id in the namespace of organizations\' keys', () => {
  it('refuses org:… subjects, which would own an organization\'s keys (issue #17)', async () => {
    await expect(auth.verify(`Bearer ${await tokenFor('org:0b7f2c1e-4a5d-4e8f-9a0b-1c2d3e4f5a6b')}`)).rejects.toMatchObject({
      code: 'invalid_token',
      status: 401,
      message: expect.stringMatching(/org:/),
    });
  });
});

describe('an unknown gateway token sent where a JWT is verified', () => {
  it.each([
    ['a made-up byok_ value', 'byok_fake-token-for-tests'],
    ['a well-formed token no lookup knew', generateGatewayToken().token],
  ])('says the token is unknown or revoked for %s, not "not a signed JWT"', async (_name, token) => {
    await expect(auth.verify(`Bearer ${token}`)).rejects.toMatchObject({ code: 'invalid_token', message: 'The gateway token is unknown or revoked' });
  });
});
