import type { ProviderId } from '@byok/providers';
import type { CredentialSource } from './route-decision.types.js';

const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/g;
/** A label is user text: only these characters pass into a receipt, so it can never forge an entry. */
const NOT_LABEL_SAFE = /[^A-Za-z0-9 ._@+-]/g;

/**
 * How a receipt names a key labelled other than `default`: `user_openrouter(work):` or
 * `user_provider(openai/work):`, the label reduced to letters, digits, space and `._@+-`. Built
 * once per key when the user's keys are indexed.
 */
export function labelledReceiptName(source: CredentialSource, provider: ProviderId | string, label: string): string {
  const safe = label.replace(NOT_LABEL_SAFE, '_');
  if (source === 'user_openrouter') return `user_openrouter(${safe}):`;
  return `${source}(${provider}/${safe}):`.replace(NOT_PRINTABLE_ASCII, '?');
}

/**
 * How a receipt names an organization's key: `org:openai/work:` (the `default` key too, so a
 * member can always tell the org's key from their own), the label reduced as above.
 */
export function orgReceiptName(provider: ProviderId, label: string): string {
  return `org:${provider}/${label.replace(NOT_LABEL_SAFE, '_')}:`;
}
