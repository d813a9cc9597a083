import { AppError } from '@byok/http';
import { isProviderId, PROVIDER_IDS, type ProviderId } from '@byok/providers';

/** Unknown providers are a 400 naming the accepted ones, not a 404: the caller made a typo. `path` is the field's, for the error's details. */
export function parseProvider(value: string, path = 'provider'): ProviderId {
  const normalized = value.trim().toLowerCase();
  if (isProviderId(normalized)) return normalized;
  throw new AppError('unknown_provider', `Unknown provider "${value.slice(0, 50)}". Use one of: ${PROVIDER_IDS.join(', ')}.`, {
    details: [{ path, message: 'unknown provider' }],
  });
}
