import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { adminOnly, subjectUser } from '../http/caller-scope.js';
import { chooseFormat, MEDIA_TYPES } from '../http/response-format.js';
import { userUsageCsv } from './usage-csv.js';
import type { UsageService } from './usage.service.js';
import {
  KeyUsageParams,
  KeyUsageQuery,
  KeyUsageReport,
  PlatformUsageQuery,
  PlatformUsageReport,
  UserUsageQuery,
  UserUsageReport,
} from './usage.schemas.js';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(400, 401, 503);

const RANGE_NOTE = 'Reads the daily aggregates, so a request shows up once the usage consumer has processed it (normally within seconds). Days are UTC, from 1970-01-01 on.';

/**
 * Usage reports, registered under /api/v1: a user's key, a user's whole usage (JSON or CSV), and
 * platform totals for admins. Every route authenticates; users only ever read their own rows.
 */
export const usageRoutes: FastifyPluginAsyncTypebox<{ usage: UsageService }> = async (app, { usage }) => {
  app.addHook('onRequest', app.authenticate);

  app.get('/llm/byok/keys/:provider/usage', {
    schema: {
      tags: ['usage'],
      summary: "Usage of your key for one provider",
      description: `Calls, errors, tokens, estimated provider cost and credits saved for the traffic your own key for this provider paid for (for openrouter: everything routed through your OpenRouter key), with a breakdown by model and a daily series: at the top level over every key you have held for the provider, and in \`key\` for the one key the route names alone (the requests it answered). Like every per-provider key route it is about your key labelled \`default\`, or the one \`?label=\` names: 404 when that key does not exist now. ${RANGE_NOTE}`,
      params: KeyUsageParams,
      querystring: KeyUsageQuery,
      response: { 200: KeyUsageReport, ...errors, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request) => {
      const { label, ...range } = request.query;
      return usage.keyUsage(request.em, request.principal.userId, request.params.provider, range, label);
    },
  });

  app.get('/llm/usage', {
    schema: {
      tags: ['usage'],
      summary: 'Your usage, grouped',
      description: `All your usage in the range grouped by provider, model, day or credential source, with totals; \`provider\` or \`model\` narrows it to one provider's or model's traffic (\`group_by=day&model=…\` is that model's daily series). \`format=csv\` (or \`Accept: text/csv\`) returns the groups as CSV (RFC 4180, header row, no totals row). Admins may pass \`user\`; anyone else gets 403 for it. ${RANGE_NOTE}`,
      querystring: UserUsageQuery,
      response: {
        200: {
          description: 'The report',
          content: { 'application/json': { schema: UserUsageReport }, 'text/csv': { schema: Type.String({ description: 'The groups as CSV.' }) } },
        },
        ...errors,
        403: { $ref: 'ErrorBody' },
      },
    },
    handler: async (request, reply) => {
      const { group_by: groupBy = 'provider', format, user, provider, model, ...range } = request.query;
      const userId = subjectUser(request, user);
      const chosen = chooseFormat(format, request.headers.accept, ['csv']);
      const filter = { ...(provider === undefined ? {} : { provider }), ...(model === undefined ? {} : { model }) };
      const report = await usage.userUsage(request.em, userId, groupBy, range, filter);
      if (chosen === 'csv') {
        reply.header('content-disposition', `attachment; filename="usage-${report.from}-${report.to}-by-${groupBy}.csv"`);
        return reply.type(MEDIA_TYPES.csv).send(userUsageCsv(report));
      }
      return reply.type(MEDIA_TYPES.json).send(report);
    },
  });

  app.get('/admin/usage', {
    onRequest: adminOnly,
    schema: {
      tags: ['admin', 'usage'],
      summary: 'Platform usage per provider (admins)',
      description: `Every user's traffic per provider in the range, with the BYOK share of requests and of provider cost. ${RANGE_NOTE}`,
      querystring: PlatformUsageQuery,
      response: { 200: PlatformUsageReport, ...errors, 403: { $ref: 'ErrorBody' } },
    },
    handler: async (request) => usage.platformUsage(request.em, request.query),
  });
};
