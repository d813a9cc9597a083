import Type from 'typebox';

/** Every error response: `{error: {code, message, request_id, details?}}`. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code.' }),
      message: Type.String({ description: 'What went wrong, for people. Never holds a secret or an internal detail of a 5xx.' }),
      request_id: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'ErrorBody', description: 'Error' },
);

export function errorBody(code: string, message: string, requestId: string, details?: Array<{ path: string; message: string }>) {
  return { error: details && details.length > 0 ? { code, message, request_id: requestId, details } : { code, message, request_id: requestId } };
}
