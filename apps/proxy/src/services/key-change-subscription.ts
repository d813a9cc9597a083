import { TOKEN_REVOKED_PREFIX } from '@byok/queues';
import type { KeyChangeSubscribe } from '@byok/routing';

/**
 * Shares the route cache's key-change subscription with the gateway-token cache, so one Redis
 * connection serves both: `token:<hash>` drops that token's cached lookup at once (the token TTL,
 * at most 10 s, is the bound when nobody announces a revocation), and a reconnect clears the token
 * cache as it clears the routes. Every message still reaches the route cache (a user id that
 * happened to start with `token:` is merely dropped from both).
 */
export function withTokenRevocations(subscribe: KeyChangeSubscribe, tokens: { drop(hash: string): void; clear(): void }): KeyChangeSubscribe {
  return (onMessage, onReconnect) =>
    subscribe(
      (message) => {
        if (message.startsWith(TOKEN_REVOKED_PREFIX)) tokens.drop(message.slice(TOKEN_REVOKED_PREFIX.length));
        onMessage(message);
      },
      () => {
        tokens.clear();
        onReconnect();
      },
    );
}
