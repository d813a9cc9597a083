import type { ProviderKey } from '@byok/db';
import { isProviderId, PROVIDERS } from '@byok/providers';
import { KEY_STATUSES, type KeyView } from './key.schemas.js';

const FALLBACK_MASK = '****…****';

function isKeyStatus(value: string): value is KeyView['status'] {
  return (KEY_STATUSES as readonly string[]).includes(value);
}

/**
 * The API's view of a stored key: masked from the stored hint, never decrypted. Validation
 * details live under `metadata.validation` in the row and are surfaced separately here.
 */
export function toKeyView(key: ProviderKey): KeyView {
  const { validation, ...metadata } = key.metadata ?? {};
  const validationObject = isRecord(validation) ? validation : null;
  const modelsCount = validationObject && typeof validationObject.models_count === 'number' ? validationObject.models_count : null;
  const status = isKeyStatus(key.testStatus) ? key.testStatus : 'untested';
  const enabled = key.enabled !== false;
  return {
    id: key.id,
    provider: key.provider,
    provider_name: isProviderId(key.provider) ? PROVIDERS[key.provider].displayName : key.provider,
    // Until saves take a label (#14's API half), the body's `label` is the key's description.
    label: key.description ?? null,
    masked_key: key.keyHint ?? FALLBACK_MASK,
    enabled,
    status,
    usable: enabled && status !== 'invalid',
    last_tested_at: key.lastTestedAt ? key.lastTestedAt.toISOString() : null,
    last_test_message: key.lastTestMessage ?? null,
    last_test_latency_ms: key.lastTestLatencyMs ?? null,
    models_count: modelsCount,
    validation: validationObject,
    metadata,
    admin_disabled: key.adminDisabledAt ? { at: key.adminDisabledAt.toISOString(), reason: key.adminDisabledReason ?? null } : null,
    replacement: key.candidateKeyHint && key.candidateStagedAt ? { masked_key: key.candidateKeyHint, staged_at: key.candidateStagedAt.toISOString() } : null,
    key_version: key.keyVersion,
    created_at: (key.createdAt ?? new Date(0)).toISOString(),
    updated_at: (key.updatedAt ?? key.createdAt ?? new Date(0)).toISOString(),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
