import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { auditContext } from '@byok/http';
import { errorResponses } from '../http/error-responses.js';
import { EncryptionStatusView, RotationStarted } from './encryption-rotation.schemas.js';
import type { EncryptionRotationService } from './encryption-rotation.service.js';

const errors = errorResponses(401, 403, 503);

/**
 * Encryption-key rotation for admins, under /api/v1/admin/byok: start one (a `rotate-encryption`
 * maintenance job the worker runs) and see which configured key covers how many stored keys.
 * Fingerprints only, never key material.
 */
export const encryptionRotationRoutes: FastifyPluginAsyncTypebox<{ rotation: EncryptionRotationService }> = async (app, { rotation }) => {
  app.addHook('onRequest', app.requireAdmin);

  app.post('/encryption/rotate', {
    schema: {
      tags: ['admin'],
      summary: 'Re-encrypt every stored key under the first configured encryption key',
      description: 'Starts (or joins) the rotate-encryption maintenance job. Add the new key first in BYOK_ENCRYPTION_KEYS on every instance before calling this.',
      response: { 202: RotationStarted, ...errors },
    },
    handler: async (request, reply) => reply.code(202).send(await rotation.start(request.em, auditContext(request))),
  });

  app.get('/encryption/status', {
    schema: {
      tags: ['admin'],
      summary: 'Stored keys per configured encryption key, from recorded key fingerprints',
      response: { 200: EncryptionStatusView, ...errors },
    },
    handler: async (request) => rotation.status(request.em),
  });
};
