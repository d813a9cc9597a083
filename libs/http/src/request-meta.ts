import type { FastifyRequest } from 'fastify';
import type { ActorType, AuditEntry } from '@byok/db';

/** The who/where of a request, as the audit log records it. */
export function auditContext(request: FastifyRequest): Pick<AuditEntry, 'actorId' | 'actorType' | 'requestId' | 'ip' | 'userAgent'> {
  const actorType: ActorType = request.principal.isAdmin ? 'admin' : 'user';
  const userAgent = request.headers['user-agent'];
  return {
    actorId: request.principal.userId,
    actorType,
    requestId: request.id,
    ip: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent : null,
  };
}
