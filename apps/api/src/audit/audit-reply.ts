import type { AuditFilter } from '@byok/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { chooseFormat, MEDIA_TYPES } from '../http/response-format.js';
import { AuditPageView, DEFAULT_AUDIT_PAGE, type AuditQuery } from './audit.schemas.js';
import type { AuditService } from './audit.service.js';

/** The 200 of an audit read: a JSON page, or a CSV / JSON-lines export. */
export const AUDIT_READ_RESPONSE = {
  description: 'A page, or an export',
  content: {
    'application/json': { schema: AuditPageView },
    'text/csv': { schema: Type.String({ description: 'Every matching record as CSV.' }) },
    'application/x-ndjson': { schema: Type.String({ description: 'Every matching record, one JSON object per line.' }) },
  },
};

/**
 * Answers an audit read whose records the route has already narrowed to what the caller may see
 * (`filter`): a cursor page as JSON, or every matching record streamed as CSV or JSON lines.
 */
export async function replyWithAudit(audit: AuditService, request: FastifyRequest, reply: FastifyReply, query: Omit<AuditQuery, 'user'>, filter: AuditFilter) {
  const read = { viewer: request.principal, filter, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) };
  const format = chooseFormat(query.format, request.headers.accept, ['csv', 'jsonl']);
  if (format === 'json') return reply.type(MEDIA_TYPES.json).send(await audit.page(request.em, read, query.limit ?? DEFAULT_AUDIT_PAGE));
  const stream = await audit.export(request.em, read, format, query.limit);
  reply.header('content-disposition', `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.${format}"`);
  return reply.type(MEDIA_TYPES[format]).send(stream);
}
