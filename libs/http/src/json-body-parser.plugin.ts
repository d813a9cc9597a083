import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './app-error.js';
import { exceedsJsonDepth } from './json-depth.js';

/**
 * Deepest nesting of arrays and objects a JSON body may have. Real bodies (chat messages, tool
 * schemas, key metadata) stay far below it; thousands of levels overflow the stack of the
 * recursive code that later walks the value (`JSON.stringify` for logs, jsonb, upstream bodies).
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Replaces Fastify's `application/json` parser with the same parser (prototype-poisoning checks
 * and all) behind a nesting-depth limit, so an over-deep body is a 400 at the door instead of a
 * stack overflow (500) somewhere after it. Registered once at the root of the API and of the
 * proxy, so every route of both, including the proxy's when mounted in the API, shares it.
 */
export const jsonBodyParserPlugin = fp(
  async (app: FastifyInstance, options: { maxDepth?: number }) => {
    const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (exceedsJsonDepth(text, maxDepth)) {
        const message = `The JSON body nests arrays or objects deeper than ${maxDepth} levels`;
        done(new AppError('invalid_json', message, { details: [{ path: 'body', message: `nests deeper than ${maxDepth} levels` }] }), undefined);
        return;
      }
      parseJson(request, text, done);
    });
  },
  { name: 'byok-json-body-parser' },
);
