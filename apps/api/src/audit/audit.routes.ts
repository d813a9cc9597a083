import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { auditFilterFrom } from './audit-filter.js';
import { AUDIT_READ_RESPONSE, replyWithAudit } from './audit-reply.js';
import { AuditQuery } from './audit.schemas.js';
import type { AuditService } from './audit.service.js';
import { subjectUser } from '../http/caller-scope.js';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(400, 401, 403, 503);

/**
 * The audit trail, registered under /api/v1. Users read the records about themselves; admins
 * read everyone's and may narrow by user. Pages are keyset on id, so they stay stable while
 * records are appended.
 */
export const auditRoutes: FastifyPluginAsyncTypebox<{ audit: AuditService }> = async (app, { audit }) => {
  app.addHook('onRequest', app.authenticate);

  app.get('/audit', {
    schema: {
      tags: ['audit'],
      summary: 'Audit records, newest first',
      description:
        'Records whose subject is you (admins: everyone, or `user`), filtered by action, provider and time, in cursor pages of `limit` (default 50, max 500). ' +
        'Pages are keyset on the record id (with `from`/`to`: on occurred_at, then id, so an old window reads as fast as a new one): records added while you page appear above the first page and never shift later ones. ' +
        '`format=csv` (RFC 4180, header row, `details` as JSON text) or `format=jsonl` (one JSON record per line) streams every matching record instead. ' +
        'Non-admins passing `user` get 403.',
      querystring: AuditQuery,
      response: { 200: AUDIT_READ_RESPONSE, ...errors },
    },
    handler: async (request, reply) => replyWithAudit(audit, request, reply, request.query, auditFilterFrom(request.query, subjectUser(request, request.query.user, true))),
  });
};
