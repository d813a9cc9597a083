import type { Keyring } from '@byok/crypto';
import { maskKey } from '@byok/crypto';
import { AppError } from '@byok/http';
import { checkKeyFormat, PROVIDERS, type ProviderId } from '@byok/providers';
import { parseProvider } from '../http/provider-param.js';
import { requireWellFormed } from '../http/well-formed-input.js';
import { parseKeyExpiry } from './key-expiry.js';
import { labelOrDefault } from './key-label.js';

export interface SaveKeyInput {
  userId: string;
  provider: string;
  apiKey: string;
  /** Which of the user's keys for the provider; absent: `default`. */
  label?: string;
  description?: string;
  priority?: number;
  /** null: any model; absent: a new key allows any model, a replacement keeps its list. */
  models?: readonly string[] | null;
  metadata?: Record<string, unknown>;
  /** RFC 3339; absent or null: the key text has no known expiry. */
  expiresAt?: string | null;
  allowUnrecognizedFormat?: boolean;
}

/** A save that passed every check, with its key already encrypted; the plaintext is not kept. */
export interface PreparedKey {
  userId: string;
  provider: ProviderId;
  token: string;
  keyHint: string;
  formatRecognized: boolean;
  label: string;
  description: string | null;
  priority?: number;
  models?: readonly string[] | null;
  metadata: Record<string, unknown> | null;
  expiresAt: Date | null;
}

/**
 * Checks a save's input (provider, text that can be stored, the worker's own metadata, the key's
 * format) and encrypts the key. Every refusal is a 400 naming the field; nothing is stored yet.
 */
export function prepareKey(keyring: Keyring, input: SaveKeyInput): PreparedKey {
  const provider = parseProvider(input.provider);
  const label = labelOrDefault(input.label, 'body/label');
  requireWellFormed({ 'body/api_key': input.apiKey, 'body/description': input.description, 'body/metadata': input.metadata });
  refuseWorkerMetadata(input.metadata);
  const expiresAt = parseKeyExpiry(input.expiresAt ?? null, 'body/expires_at');
  const format = checkKeyFormat(provider, input.apiKey);
  // Only an unrecognized format may be overridden; text that cannot be a key never is.
  if (!format.ok && (format.severity === 'invalid' || input.allowUnrecognizedFormat !== true)) {
    const hint = format.severity === 'unrecognized' ? ' Set allow_unrecognized_format to save it anyway.' : '';
    throw new AppError('invalid_key_format', `${format.message}${hint}`, { details: [{ path: 'body/api_key', message: format.message }] });
  }
  return {
    userId: input.userId,
    provider,
    token: keyring.encrypt(input.apiKey),
    keyHint: maskKey(input.apiKey, PROVIDERS[provider].keyFormat.knownPrefix),
    formatRecognized: format.ok,
    label,
    description: input.description ?? null,
    ...(input.priority !== undefined ? { priority: input.priority } : {}),
    ...(input.models !== undefined ? { models: input.models } : {}),
    metadata: input.metadata ?? null,
    expiresAt,
  };
}

/**
 * `metadata.validation` holds the worker's verdict on the key (model list, provider limits), which
 * the key view shows as the validation result: a user who could write it could forge one.
 */
function refuseWorkerMetadata(metadata: Record<string, unknown> | undefined): void {
  if (metadata === undefined || !Object.hasOwn(metadata, 'validation')) return;
  const message = 'is written by the key test; leave it out';
  throw new AppError('validation_failed', `body/metadata/validation: ${message}`, { details: [{ path: 'body/metadata/validation', message }] });
}
