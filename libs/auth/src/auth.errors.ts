/**
 * Stable machine codes for authentication failures. The API's error plugin puts the code in the
 * response body, so clients can branch on it; the set is closed on purpose.
 */
export type AuthErrorCode = 'missing_credentials' | 'invalid_token' | 'token_expired' | 'auth_unavailable';

/**
 * A request could not be authenticated. The message is safe to return to the caller: it says what
 * was wrong with the credential in general terms and never echoes the credential itself.
 *
 * Every code maps to 401 except `auth_unavailable` (the identity provider's key set could not be
 * fetched), which is our fault, not the caller's, and maps to 503.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  readonly status: 401 | 503;

  constructor(code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = code === 'auth_unavailable' ? 503 : 401;
  }

  /** The same as `status`; Fastify's default error handler reads this name. */
  get statusCode(): 401 | 503 {
    return this.status;
  }
}

/** The caller is authenticated but lacks the role the operation needs (HTTP 403). */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
  readonly code = 'forbidden' as const;
  readonly status = 403 as const;

  constructor(message = 'This operation requires the administrator role') {
    super(message);
  }

  /** The same as `status`; Fastify's default error handler reads this name. */
  get statusCode(): 403 {
    return this.status;
  }
}
