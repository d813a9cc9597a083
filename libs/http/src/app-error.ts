/**
 * The closed set of error codes the HTTP services answer with, and the status each maps to.
 * Clients branch on `code`; the status follows from it, in this one place.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  unknown_provider: 400,
  invalid_key_format: 400,
  no_route: 400,
  bad_request: 400,
  too_many_keys: 400,
  org_mismatch: 400,
  missing_credentials: 401,
  invalid_token: 401,
  token_expired: 401,
  insufficient_credits: 402,
  forbidden: 403,
  org_role_required: 403,
  not_found: 404,
  org_not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  conflict: 409,
  duplicate_label: 409,
  budget_exists: 409,
  last_owner: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  key_test_failed: 422,
  rate_limited: 429,
  budget_exceeded: 429,
  internal_error: 500,
  upstream_error: 502,
  db_unavailable: 503,
  queue_unavailable: 503,
  redis_unavailable: 503,
  auth_unavailable: 503,
  upstream_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  path: string;
  message: string;
}

/** An expected failure with a stable code and a message safe to show the caller. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string> | undefined;
  /** When trying again may succeed, in whole seconds: sent as `Retry-After` and as the body's `retry_after`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetail[]; headers?: Record<string, string>; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.retryAfterSeconds === undefined ? options.headers : { ...options.headers, 'retry-after': String(options.retryAfterSeconds) };
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);

/**
 * The one answer for an organization the caller cannot act for: unknown, not a member (anymore),
 * or not an org id at all. Alike, so a non-member cannot learn which organizations exist.
 */
export const orgNotFound = (path?: string) =>
  new AppError('org_not_found', 'Organization not found, or you are not a member of it', path === undefined ? {} : { details: [{ path, message: 'not an organization you are a member of' }] });
