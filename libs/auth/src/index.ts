export { AuthError, ForbiddenError, type AuthErrorCode } from './auth.errors.js';
export {
  createAuthenticator,
  MIN_HS256_SECRET_LENGTH,
  type Authenticator,
  type AuthenticatorOptions,
  type Hs256AuthenticatorOptions,
  type OidcAuthenticatorOptions,
} from './authenticator.js';
export { defaultDataDir, defaultJwtSecretPath, devSecretPath, generateDevSecret } from './data-dir.js';
export { mintDevToken, type MintDevTokenOptions } from './dev-token.js';
export {
  constantTimeEqualHex,
  generateGatewayToken,
  hashGatewayToken,
  looksLikeGatewayToken,
  type GeneratedGatewayToken,
} from './gateway-token.js';
export { MAX_CLAIM_ORG_LENGTH, MAX_CLAIM_ORGS, orgsFromClaim } from './org-claim.js';
export { ORG_OWNER_PREFIX, orgKeyOwner, principalFromClaims, requireAdmin, type Principal } from './principal.js';
export { loadOrCreateSecretFile, type SecretFileResult } from './secret-file.js';
export { VerifiedTokenCache, type VerifiedTokenCacheOptions } from './verified-token.cache.js';
