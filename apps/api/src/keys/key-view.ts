import type { ProviderKey } from '@byok/db';
import type { KeyHealth } from '@byok/key-health';
import { isProviderId, PROVIDERS } from '@byok/providers';
import { KEY_STATUSES, type KeyView } from './key.schemas.js';

const FALLBACK_MASK = '****…****';

function isKeyStatus(value: string): value is KeyView['status'] {
  return (KEY_STATUSES as readonly string[]).includes(value);
}

/**
 * The API's view of a stored key: masked from the stored hint, never decrypted. Validation
 * details live under `metadata.validation` in the row and are surfaced separately here.
 * `health` is null when it is unknown (not read for this answer, or Redis did not answer).
 */
export function toKeyView(key: ProviderKey, health: KeyHealth | null = null): KeyView {
  const { validation, ...metadata } = key.metadata ?? {};
  const validationObject = isRecord(validation) ? validation : null;
  const modelsCount = validationObject && typeof validationObject.models_count === 'number' ? validationObject.models_count : null;
  const status = isKeyStatus(key.testStatus) ? key.testStatus : 'untested';
  const enabled = key.enabled !== false;
  return {
    id: key.id,
    provider: key.provider,
    provider_name: isProviderId(key.provider) ? PROVIDERS[key.provider].displayName : key.provider,
    label: key.label,
    description: key.description ?? null,
    priority: key.priority,
    models: key.models ?? null,
    health: health === null ? null : toHealthView(health),
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
    expires_at: key.expiresAt ? key.expiresAt.toISOString() : null,
    replacement: key.candidateKeyHint && key.candidateStagedAt ? { masked_key: key.candidateKeyHint, staged_at: key.candidateStagedAt.toISOString() } : null,
    key_version: key.keyVersion,
    created_at: (key.createdAt ?? new Date(0)).toISOString(),
    updated_at: (key.updatedAt ?? key.createdAt ?? new Date(0)).toISOString(),
  };
}

function toHealthView(health: KeyHealth): NonNullable<KeyView['health']> {
  return {
    state: health.state,
    cooldown_until: health.cooldownUntil?.toISOString() ?? null,
    failing_since: health.failingSince?.toISOString() ?? null,
    last_15m: { requests: health.last15m.requests, errors: health.last15m.errors, p50_latency_ms: health.last15m.p50LatencyMs },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
