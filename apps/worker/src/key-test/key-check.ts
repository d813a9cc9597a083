import type { ValidationStatus } from '@byok/providers';

/** What a key test found: the provider's answer, or that the stored token could not be opened. */
export type KeyTestOutcome = ValidationStatus | 'undecryptable';

/** One key check, as the processor maps and records it. Never holds key material. */
export interface KeyCheck {
  outcome: KeyTestOutcome;
  /** For people; `validateKey` already scrubbed any run of the key from it. */
  message: string;
  latencyMs: number;
  httpStatus?: number;
  retryAfterMs?: number;
  models?: string[];
  details?: Record<string, unknown>;
}

/** Fixed text for a token that no configured encryption key opens (rotation gone wrong, copied row). */
export const UNDECRYPTABLE_MESSAGE = 'The stored key cannot be decrypted with the configured encryption keys.';
