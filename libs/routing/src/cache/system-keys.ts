import { PROVIDER_IDS, type ProviderId } from '@byok/providers';
import type { SystemKeyAvailability } from '../decision/route-decision.types.js';

/** The platform's own provider keys, held in process memory from boot. */
export interface SystemKeySet {
  /** Which providers have a platform key: the input `decideRoute` takes. Frozen. */
  readonly available: SystemKeyAvailability;
  /** The platform key for a provider, or undefined when none is configured. */
  systemCredential(provider: ProviderId): string | undefined;
}

/** Per-provider settings as `@byok/config` parses them (`config.providers`). */
export type SystemKeySettings = Readonly<Partial<Record<ProviderId, { readonly systemApiKey?: string | undefined }>>>;

/**
 * Builds the platform key set once at boot. The keys live only in this closure: logging or
 * serialising the returned object shows which providers have a key, never the key. Blank keys
 * count as absent.
 */
export function createSystemKeySet(settings: SystemKeySettings): SystemKeySet {
  const keys = new Map<ProviderId, string>();
  const available: Partial<Record<ProviderId, true>> = {};
  for (const provider of PROVIDER_IDS) {
    const key = settings[provider]?.systemApiKey?.trim();
    if (key === undefined || key === '') continue;
    keys.set(provider, key);
    available[provider] = true;
  }
  return Object.freeze({
    available: Object.freeze(available),
    systemCredential: (provider: ProviderId) => keys.get(provider),
  });
}
