import { describe, expect, it } from 'vitest';
import { principalFromClaims } from './principal.js';

const settings = { userIdClaim: 'sub', adminRole: 'admin' };

describe("a principal's notification address", () => {
  it("comes from the token's email claim", () => {
    expect(principalFromClaims({ sub: 'u1', email: 'dana@example.test' }, settings).email).toBe('dana@example.test');
    expect(principalFromClaims({ sub: 'u1', email: 'dana@example.test', email_verified: true }, settings).email).toBe('dana@example.test');
  });

  it('is absent when the issuer marks it unverified, or it is not one plain address', () => {
    expect(principalFromClaims({ sub: 'u1', email: 'dana@example.test', email_verified: false }, settings)).not.toHaveProperty('email');
    for (const email of [undefined, 42, '', 'dana', 'a@b', 'Dana <dana@example.test>', 'a@example.test, b@example.test', `${'x'.repeat(250)}@example.test`]) {
      expect(principalFromClaims({ sub: 'u1', email }, settings)).not.toHaveProperty('email');
    }
  });
});
