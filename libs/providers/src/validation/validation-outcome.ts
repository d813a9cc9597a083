import type { ValidationStatus } from './validation-spec.js';

/**
 * The result of one key check. Expected failures are values of this type, never exceptions.
 * `message` is for people and never contains the key or any 8-character run of it.
 */
export interface ValidationOutcome {
  status: ValidationStatus;
  message: string;
  /** The provider's HTTP status, when it answered at all. */
  httpStatus?: number;
  latencyMs: number;
  /** How long to wait before trying again, from `retry-after` or the provider's body. */
  retryAfterMs?: number;
  /** Models the key can reach, when the provider's answer lists them. */
  models?: string[];
  /** Provider facts worth keeping in the key's metadata (e.g. OpenRouter limit and usage). */
  details?: Record<string, unknown>;
}
