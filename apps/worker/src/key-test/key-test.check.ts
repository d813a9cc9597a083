import type { Config } from '@byok/config';
import { InvalidTokenError, openStoredToken, type Keyring, type StoredToken } from '@byok/crypto';
import { PROVIDERS, validateKey, type ProviderId, type ValidationStatus } from '@byok/providers';

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

/** What a key check needs from outside. */
export interface KeyCheckDependencies {
  keyring: Keyring;
  config: Pick<Config, 'providers' | 'providerTimeoutMs'>;
}

/**
 * Decrypts a stored token and checks the key with its provider. The plaintext lives only in this
 * call's scope: it goes to `validateKey` and nowhere else, and nothing returned contains it.
 * A token that no configured key opens, or whose binding tag belongs to another row or owner (a
 * moved token), is an outcome (`undecryptable`), not an exception: it is never sent anywhere.
 */
export async function runKeyCheck(deps: KeyCheckDependencies, provider: ProviderId, stored: StoredToken): Promise<KeyCheck> {
  let apiKey: string;
  try {
    apiKey = openStoredToken(deps.keyring, stored);
  } catch (error) {
    if (error instanceof InvalidTokenError) return { outcome: 'undecryptable', message: UNDECRYPTABLE_MESSAGE, latencyMs: 0 };
    throw error;
  }
  const definition = PROVIDERS[provider];
  const result = await validateKey({
    provider: definition,
    baseUrl: deps.config.providers[provider].baseUrl ?? definition.defaultBaseUrl,
    apiKey,
    timeoutMs: deps.config.providerTimeoutMs,
  });
  return {
    outcome: result.status,
    message: result.message,
    latencyMs: result.latencyMs,
    ...(result.httpStatus === undefined ? {} : { httpStatus: result.httpStatus }),
    ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
    ...(result.models === undefined ? {} : { models: result.models }),
    ...(result.details === undefined ? {} : { details: result.details }),
  };
}
