import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

// Within the usage event schema's 128 characters, and never a `:`, so a request id cannot collide
// with the ledger's other keys (`grant:<idempotency key>` for admin grants).
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The id a proxied request is known by: in `x-request-id`, in the usage event, and as the key of
 * `usage_events` and of its credit charge. It must be ours, not the client's: credits are charged
 * once per request id, so a client that repeated its own `x-request-id` would be charged once for
 * many requests. The request's id is used when the server minted it; a caller-supplied one is
 * replaced by a fresh UUID.
 */
export function usageRequestId(request: FastifyRequest): string {
  const id = request.id;
  if (id === request.headers['x-request-id'] || !SAFE_REQUEST_ID.test(id)) return randomUUID();
  return id;
}
