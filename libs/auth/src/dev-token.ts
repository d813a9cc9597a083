import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { MIN_HS256_SECRET_LENGTH } from './authenticator.js';

/** What a development token says about its holder. */
export interface MintDevTokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  userId: string;
  /** Adds `adminRole` to the token's `roles`. */
  admin: boolean;
  /** The claim the authenticator reads the user id from; `sub` is always set as well. */
  userIdClaim: string;
  ttlSeconds: number;
  /** Default `admin`; must match the authenticator's `adminRole`. */
  adminRole?: string;
}

/**
 * Signs an HS256 token that an `hs256` authenticator with the same secret, issuer and audience
 * accepts. For standalone and development use only: production tokens come from the identity
 * provider.
 */
export async function mintDevToken(options: MintDevTokenOptions): Promise<string> {
  if (options.secret.length < MIN_HS256_SECRET_LENGTH) {
    throw new Error(`The HS256 secret must be at least ${MIN_HS256_SECRET_LENGTH} characters long`);
  }
  if (options.userId.trim() === '') throw new Error('userId must not be empty');
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
    throw new Error('ttlSeconds must be a positive integer');
  }
  const claims: Record<string, unknown> = { roles: options.admin ? [options.adminRole ?? 'admin'] : [] };
  if (options.userIdClaim !== 'sub') claims[options.userIdClaim] = options.userId;
  const nowSeconds = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(options.userId)
    .setJti(randomUUID())
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + options.ttlSeconds)
    .sign(new TextEncoder().encode(options.secret));
}
