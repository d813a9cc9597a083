import { type MessageScrubber, scrubSecret } from '@byok/providers';
import { scrubSecrets } from '@byok/telemetry';

/**
 * Scrubs upstream text before a client sees it: first any run of 8+ characters of the key that
 * was used (providers echo masked keys, a hostile one may echo it whole), then anything else
 * shaped like a key or bearer credential.
 */
export function keyScrubber(apiKey: string): MessageScrubber {
  return (message) => scrubSecrets(scrubSecret(message, apiKey));
}
