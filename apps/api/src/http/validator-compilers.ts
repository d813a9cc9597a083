import AjvCompiler from '@fastify/ajv-compiler';

type BuildValidator = ReturnType<typeof AjvCompiler>;

/**
 * Fastify's validator factory with type coercion only where text is all a client can send: query
 * strings, path parameters and headers (`?limit=10` is the string "10"). A JSON body carries its
 * own types, and coercing them changes meanings: `""`, `0` or `false` become null (clearing a
 * field that a null clears), `[""]` or `[null]` a null list, `"false"` a boolean `false`. Bodies are
 * therefore validated as sent, so such a value is a 400 naming the field, on every route at once.
 * Two compiler pools, each with its own Ajv per set of shared schemas, as Fastify builds them.
 */
export function buildValidatorCoercingTextOnly(): BuildValidator {
  const coercing = AjvCompiler();
  const asSent = AjvCompiler();
  return (externalSchemas, options) => {
    const textParts = coercing(externalSchemas, options);
    // Fastify passes its `ajv` server option (plain Ajv, never JTD) with the customOptions above.
    const ajvOptions = (options ?? {}) as { customOptions?: Record<string, unknown> };
    const bodies = asSent(externalSchemas, { ...ajvOptions, customOptions: { ...ajvOptions.customOptions, coerceTypes: false } });
    return (route) => (route.httpPart === 'body' ? bodies(route) : textParts(route));
  };
}
