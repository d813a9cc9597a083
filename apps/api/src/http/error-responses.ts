/** The shared error schema (`ErrorBody`, registered with the OpenAPI document) by reference. */
const ERROR_BODY = { $ref: 'ErrorBody' } as const;

/**
 * Response schemas for error statuses, all answered with the one error body
 * (`{ error: { code, message, request_id, details? } }`): `errorResponses(400, 401, 503)`.
 */
export function errorResponses<const S extends number>(...statuses: S[]): Record<S, typeof ERROR_BODY> {
  return Object.fromEntries(statuses.map((status) => [status, ERROR_BODY])) as Record<S, typeof ERROR_BODY>;
}
