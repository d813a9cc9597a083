import { formatReceipt, type RouteDecision } from '@byok/routing';

/**
 * The headers that tell a client which path its request took: `x-byok-used` (its own key or
 * not), `x-byok-provider` (the upstream), `x-byok-route` (every candidate the rule considered and
 * every attempt's outcome, header-safe, keys named by provider and label, no key ids),
 * `x-byok-attempts` (upstream attempts made) and `x-request-id`. Never any key material.
 */
export function routeHeaders(decision: RouteDecision, requestId: string, attempts = 0): Record<string, string> {
  if (decision.outcome !== 'routed') return { 'x-byok-used': 'false', 'x-byok-route': formatReceipt(decision), 'x-byok-attempts': String(attempts), 'x-request-id': requestId };
  return {
    'x-byok-used': decision.chosen.credentialSource === 'system' ? 'false' : 'true',
    'x-byok-provider': decision.chosen.provider,
    'x-byok-route': formatReceipt(decision),
    'x-byok-attempts': String(attempts),
    'x-request-id': requestId,
  };
}
