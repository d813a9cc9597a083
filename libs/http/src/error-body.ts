import Type from 'typebox';

/** Every error response: `{error: {code, message, request_id, details?, retry_after?}}`. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code.' }),
      message: Type.String({ description: 'What went wrong, for people. Never holds a secret or an internal detail of a 5xx.' }),
      request_id: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
      retry_after: Type.Optional(Type.Integer({ minimum: 1, description: 'Seconds until trying again may succeed, as in the `Retry-After` header (e.g. a `no_route` while your only keys cool down).' })),
    }),
  },
  { $id: 'ErrorBody', description: 'Error' },
);

export function errorBody(code: string, message: string, requestId: string, details?: Array<{ path: string; message: string }>, retryAfterSeconds?: number) {
  const error: { code: string; message: string; request_id: string; details?: Array<{ path: string; message: string }>; retry_after?: number } = { code, message, request_id: requestId };
  if (details && details.length > 0) error.details = details;
  if (retryAfterSeconds !== undefined) error.retry_after = retryAfterSeconds;
  return { error };
}
