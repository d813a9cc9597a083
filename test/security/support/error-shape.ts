import { ERROR_STATUS } from '@byok/http';

/** What the checks need of a response, from `app.inject` or `fetch`. */
export interface ResponseLike {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const header = (res: ResponseLike, name: string): string | undefined => {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value === undefined ? undefined : String(value);
};

/**
 * Why an error response breaks the API's one error shape, or `undefined` when it keeps it:
 * JSON `{error:{code, message, request_id, details?}}` and nothing else, a code from the closed
 * set whose status is the response's status, and the request id the `x-request-id` header gives.
 */
export function errorShapeProblem(res: ResponseLike): string | undefined {
  const type = header(res, 'content-type') ?? '';
  if (!type.startsWith('application/json')) return `content-type is ${JSON.stringify(type)}, not JSON`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    return 'the body is not JSON';
  }
  if (!isObject(parsed) || Object.keys(parsed).join() !== 'error' || !isObject(parsed.error)) return `the body is not {error:{…}}: ${res.body.slice(0, 200)}`;
  const { code, message, request_id: requestId, details, ...extra } = parsed.error;
  if (Object.keys(extra).length > 0) return `unexpected error fields ${Object.keys(extra).join(', ')}`;
  if (typeof code !== 'string' || typeof message !== 'string' || typeof requestId !== 'string') return `code, message and request_id must be strings: ${res.body.slice(0, 200)}`;
  if (requestId === '' || requestId !== header(res, 'x-request-id')) return `request_id ${requestId} differs from x-request-id ${header(res, 'x-request-id')}`;
  if (details !== undefined && (!Array.isArray(details) || !details.every((d) => isObject(d) && typeof d.path === 'string' && typeof d.message === 'string'))) {
    return 'details must be a list of {path, message}';
  }
  if (!Object.hasOwn(ERROR_STATUS, code)) return `code ${code} is not in the closed set (ERROR_STATUS)`;
  const expected = ERROR_STATUS[code as keyof typeof ERROR_STATUS];
  if (expected !== res.statusCode) return `code ${code} means ${expected}, but the status is ${res.statusCode}`;
  return undefined;
}

/** The parsed error of a response that keeps the shape; throws with the reason otherwise. */
export function errorOf(res: ResponseLike): { code: string; message: string; request_id: string; details?: Array<{ path: string; message: string }> } {
  const problem = errorShapeProblem(res);
  if (problem !== undefined) throw new Error(`${res.statusCode} breaks the error shape: ${problem}`);
  return (JSON.parse(res.body) as { error: { code: string; message: string; request_id: string } }).error;
}

/**
 * Why a proxy error breaks OpenAI's error shape with the gateway's request id added
 * (`{error:{message, type, code, param, request_id}}`), or `undefined`. The proxy answers a
 * provider's error this way, because OpenAI clients read `error.message` and `error.type`.
 */
export function openAiErrorShapeProblem(res: ResponseLike): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    return 'the body is not JSON';
  }
  if (!isObject(parsed) || !isObject(parsed.error)) return 'the body is not {error:{…}}';
  const { message, type, code, param, request_id: requestId } = parsed.error;
  if (typeof message !== 'string' || typeof type !== 'string') return 'message and type must be strings';
  if (!(code === null || typeof code === 'string') || !(param === null || param === undefined || typeof param === 'string')) return 'code and param must be strings or null';
  if (requestId !== header(res, 'x-request-id')) return `request_id ${String(requestId)} differs from x-request-id ${header(res, 'x-request-id')}`;
  return undefined;
}
