import type { FastifySerializerCompiler } from 'fastify';
import fastJsonStringify, { type Schema } from 'fast-json-stringify';

/**
 * Fastify's response serializer compiler, except that the Ajv validators fast-json-stringify uses
 * to tell an `anyOf` apart (every nullable field is one) are compiled when the route is built
 * instead of on the route's first response. Lazily they cost the first response of each route
 * and status tens of milliseconds (hundreds on a busy host): the tail of a freshly started API.
 * Eager, they cost boot time, so only route groups whose first second matters set it (with
 * `setSerializerCompiler`, for their own routes), not the whole API.
 * `sharedSchemas` are the instance's `addSchema` schemas (`app.getSchemas()`), for `$ref`s.
 */
export function eagerSerializerCompiler(sharedSchemas: Record<string, unknown>): FastifySerializerCompiler<unknown> {
  return ({ schema }) => {
    const own = (schema as { $id?: unknown }).$id;
    // As Fastify's own compiler does: a schema that is itself shared must not be passed twice.
    const external = typeof own === 'string' && own in sharedSchemas ? Object.fromEntries(Object.entries(sharedSchemas).filter(([id]) => id !== own)) : sharedSchemas;
    return fastJsonStringify(schema as Schema, { schema: external as Record<string, Schema>, compileValidators: true });
  };
}
