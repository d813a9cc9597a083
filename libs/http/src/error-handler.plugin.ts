import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AuthError, ForbiddenError } from '@byok/auth';
import { isDatabaseUnavailable, isDeletedOrganization, isUnstorableText } from '@byok/db';
import { isRedisUnavailable, QueueUnavailableError } from '@byok/queues';
import { AppError, type ErrorCode, type ErrorDetail } from './app-error.js';
import { errorBody } from './error-body.js';
import { WELL_FORMED_PATTERN } from './well-formed-string.js';

const RETRY_AFTER_SECONDS = '5';

/**
 * Maps every error to `{error:{code,message,request_id}}` with the right status. Expected errors
 * keep their message; a 5xx we did not anticipate says only "Internal error" (its cause goes to
 * the log), so no stack, SQL or secret ever reaches a client.
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const mapped = mapError(error);
      if (mapped.status >= 500 && mapped.code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
      else if (mapped.status >= 500) request.log.warn({ err: error, code: mapped.code }, 'service dependency unavailable');
      for (const [name, value] of Object.entries(mapped.headers ?? {})) reply.header(name, value);
      return sendError(reply, request, mapped.status, mapped.code, mapped.message, mapped.details, mapped.retryAfterSeconds);
    });
    app.setNotFoundHandler((request, reply) => sendError(reply, request, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
  },
  { name: 'byok-error-handler' },
);

export function sendError(reply: FastifyReply, request: FastifyRequest, status: number, code: string, message: string, details?: ErrorDetail[], retryAfterSeconds?: number) {
  // Set here too, not only by the security-headers hook: the router's own errors (malformed URLs)
  // are answered before any hook of the instance runs.
  return reply.code(status).header('x-request-id', request.id).header('x-content-type-options', 'nosniff').type('application/json').send(errorBody(code, message, request.id, details, retryAfterSeconds));
}

interface MappedError {
  status: number;
  code: string;
  message: string;
  details?: ErrorDetail[];
  headers?: Record<string, string>;
  retryAfterSeconds?: number | undefined;
}

function mapError(error: FastifyError): MappedError {
  if (error instanceof AppError) return { status: error.status, code: error.code, message: error.message, details: error.details, headers: error.headers, retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof AuthError) return { status: error.status, code: error.code, message: error.message, headers: { 'www-authenticate': 'Bearer' } };
  if (error instanceof ForbiddenError) return { status: 403, code: 'forbidden', message: error.message };
  if (error.validation) {
    const context = error.validationContext ?? 'request';
    const details = error.validation.map((v) => ({
      path: `${context}${v.instancePath || ''}`,
      message: describeValidation(v.message, v.params),
    }));
    return { status: 400, code: 'validation_failed', message: details.map((d) => `${d.path}: ${d.message}`).join('; '), details };
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, code: 'payload_too_large', message: 'The request body is too large' };
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, code: 'unsupported_media_type', message: 'Send the body as application/json' };
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return { status: 400, code: 'invalid_json', message: 'The JSON body is empty' };
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return { status: 400, code: 'invalid_json', message: 'The body is not valid JSON' };
  if (error instanceof QueueUnavailableError) {
    return { status: 503, code: 'queue_unavailable', message: 'The job queue is unavailable; retry shortly', headers: { 'retry-after': RETRY_AFTER_SECONDS } };
  }
  if (isDatabaseUnavailable(error)) {
    return { status: 503, code: 'db_unavailable', message: 'The database is unavailable; retry shortly', headers: { 'retry-after': RETRY_AFTER_SECONDS } };
  }
  if (isDeletedOrganization(error)) {
    return { status: 404, code: 'org_not_found', message: 'Organization not found, or you are not a member of it' };
  }
  if (isUnstorableText(error)) {
    return { status: 400, code: 'validation_failed', message: 'A text value contains a NUL character (\\u0000), which cannot be stored' };
  }
  if (isRedisUnavailable(error)) {
    return { status: 503, code: 'redis_unavailable', message: 'Redis is unavailable; retry shortly', headers: { 'retry-after': RETRY_AFTER_SECONDS } };
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) return { status, code: CODE_FOR_CLIENT_STATUS[status] ?? 'bad_request', message: clientMessage(error) };
  return { status: 500, code: 'internal_error', message: 'Internal error' };
}

/** Codes for 4xx answers raised by Fastify or its plugins rather than by our code. */
const CODE_FOR_CLIENT_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'missing_credentials',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Router errors quote the whole URL; the caller knows it, and it can carry tokens in a query. */
function clientMessage(error: FastifyError): string {
  if (error.code === 'FST_ERR_BAD_URL') return 'The URL has a malformed percent-encoding';
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return 'A path parameter is too long';
  return error.message;
}

/**
 * Answers an error in the standard shape from places the error handler does not reach: Fastify's
 * `frameworkErrors` option (malformed URLs, over-long parameters, raised by the router before any
 * route runs) and plugins that install their own error handler (the job dashboard).
 */
export function replyWithError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mapped = mapError(error as FastifyError);
  for (const [name, value] of Object.entries(mapped.headers ?? {})) reply.header(name, value);
  return sendError(reply, request, mapped.status, mapped.code, mapped.message, mapped.details, mapped.retryAfterSeconds);
}

export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void replyWithError(error, request, reply);
}

function describeValidation(message: string | undefined, params: Record<string, unknown>): string {
  if (typeof params.additionalProperty === 'string') return `unknown field "${params.additionalProperty}"`;
  if (typeof params.missingProperty === 'string') return `missing required field "${params.missingProperty}"`;
  if (Array.isArray(params.allowedValues)) return `must be one of ${params.allowedValues.join(', ')}`;
  if (params.pattern === WELL_FORMED_PATTERN) return 'must be valid Unicode text (it contains a lone UTF-16 surrogate)';
  return message ?? 'is invalid';
}
