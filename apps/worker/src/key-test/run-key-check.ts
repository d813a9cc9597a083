import type { Config } from '@byok/config';
import { InvalidTokenError, openStoredToken, type Keyring, type StoredToken } from '@byok/crypto';
import { PROVIDERS, validateKey, type ProviderId } from '@byok/providers';
import { UNDECRYPTABLE_MESSAGE, type KeyCheck } from './key-check.js';

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
