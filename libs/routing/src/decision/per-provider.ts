import { PROVIDER_IDS, type ProviderId } from '@byok/providers';

/**
 * A frozen table of one string per provider, built once at load, so code on the request path
 * looks texts up instead of concatenating them.
 */
export function perProvider(text: (id: ProviderId) => string): Readonly<Record<ProviderId, string>> {
  return Object.freeze(Object.fromEntries(PROVIDER_IDS.map((id) => [id, text(id)])) as Record<ProviderId, string>);
}
