import type { ChatError } from '@byok/providers';
import type { FastifyReply } from 'fastify';

/**
 * Sends an upstream or translation error in OpenAI's shape (`{error:{message,type,code,param}}`,
 * which OpenAI clients parse) with the gateway's request id added, and the upstream's
 * `retry-after` when it gave one. The message was scrubbed by the adapter.
 */
export function sendChatError(reply: FastifyReply, error: ChatError, headers: Record<string, string>, requestId: string): FastifyReply {
  reply.code(error.status).headers(headers);
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.type('application/json; charset=utf-8').send(JSON.stringify({ error: { ...error.body.error, request_id: requestId } }));
}
