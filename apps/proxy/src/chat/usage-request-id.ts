import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

// What BullMQ accepts as a custom job id (no `:`, not all digits), within the event schema's 128.
const SAFE_JOB_ID = /^[A-Za-z0-9._-]{1,128}$/;
const ALL_DIGITS = /^\d+$/;

/**
 * The id a proxied request is known by: in `x-request-id`, in the usage event, and as the usage
 * job's id (which makes delivery idempotent). It must be ours, not the client's: credits are
 * charged once per request id, so a client that repeated its own `x-request-id` would be charged
 * once for many requests. The request's id is used when the server minted it; a caller-supplied
 * one is replaced by a fresh UUID.
 */
export function usageRequestId(request: FastifyRequest): string {
  const id = request.id;
  if (id === request.headers['x-request-id'] || !SAFE_JOB_ID.test(id) || ALL_DIGITS.test(id)) return randomUUID();
  return id;
}
