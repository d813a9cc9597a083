import { isProviderId } from '@byok/providers';
import type { KeyTestStatus, UserKeyCandidate } from '../decision/route-decision.types.js';

/**
 * The columns of a stored key that routing reads. A row of `user_provider_keys` as `@byok/db`
 * returns it (`ProviderKey`) fits this shape as is, so the proxy's loader can hand rows straight
 * through. Rows from the earlier system may have a null `enabled` (meaning enabled) and no test
 * status.
 */
export interface StoredUserKey {
  id: string;
  provider: string;
  /** Fernet token; decrypted once when the user's routes are loaded. */
  apiKeyEncrypted: string;
  enabled?: boolean | null;
  testStatus?: string | null;
  /** Grows on every replacement; a re-validation job names it so a stale job can tell. */
  keyVersion?: number | null;
  /** Binds the token to this row and owner; null on rows written before tags (accepted). */
  bindingTag?: string | null;
  /** Free-form; `metadata.validation.outcome` holds the last validation's outcome, `.models` the models it listed. */
  metadata?: Readonly<Record<string, unknown>> | null;
  /** Its name among the user's keys for the provider; absent on rows read without it: `default`. */
  label?: string | null;
  priority?: number | null;
  /** The user's allow-list of model names and `*` globs; null: any model. */
  models?: readonly string[] | null;
}

const TEST_STATUSES: readonly string[] = ['untested', 'testing', 'valid', 'invalid', 'error'] satisfies KeyTestStatus[];

/**
 * What routing needs from a stored key, or null for a provider this gateway does not route
 * (a row the earlier system wrote for a provider since dropped). An unknown test status is read
 * as `untested`, as the key API shows it.
 */
export function toUserKeyCandidate(row: StoredUserKey): UserKeyCandidate | null {
  if (!isProviderId(row.provider)) return null;
  const candidate: UserKeyCandidate = {
    provider: row.provider,
    keyId: row.id,
    enabled: row.enabled !== false,
    testStatus: isTestStatus(row.testStatus) ? row.testStatus : 'untested',
  };
  if (typeof row.keyVersion === 'number') candidate.keyVersion = row.keyVersion;
  const outcome = validationOutcome(row.metadata);
  if (outcome !== undefined) candidate.validationOutcome = outcome;
  if (typeof row.label === 'string') candidate.label = row.label;
  if (typeof row.priority === 'number') candidate.priority = row.priority;
  if (Array.isArray(row.models)) candidate.models = row.models.filter((m): m is string => typeof m === 'string');
  const reachable = reachableModels(row.metadata);
  if (reachable !== undefined) candidate.reachableModels = reachable;
  return candidate;
}

/**
 * The models the key's last test listed, when that list is complete (`models_truncated` unset)
 * and not empty: only then does a model's absence mean the key cannot reach it.
 */
function reachableModels(metadata: StoredUserKey['metadata']): ReadonlySet<string> | undefined {
  const validation = metadata?.validation;
  if (typeof validation !== 'object' || validation === null || !('models' in validation)) return undefined;
  if ('models_truncated' in validation && validation.models_truncated === true) return undefined;
  const models = validation.models;
  if (!Array.isArray(models) || models.length === 0) return undefined;
  return new Set(models.filter((m): m is string => typeof m === 'string'));
}

function isTestStatus(value: unknown): value is KeyTestStatus {
  return typeof value === 'string' && TEST_STATUSES.includes(value);
}

// Metadata is untyped JSON (the earlier system and users write it), so every level is checked.
function validationOutcome(metadata: StoredUserKey['metadata']): string | undefined {
  const validation = metadata?.validation;
  if (typeof validation !== 'object' || validation === null || !('outcome' in validation)) return undefined;
  return typeof validation.outcome === 'string' ? validation.outcome : undefined;
}
