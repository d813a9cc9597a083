/**
 * The page's only way to the API: same-origin fetch with the bearer token, and every failure
 * turned into an ApiError whose message is fit to show (the API's own `error.message` when it
 * sent one).
 */

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds from a 429's or 503's Retry-After header. */
    readonly retryAfterSeconds: number | null = null,
    /** The fields a 400 names (`body/limits/requests`), so a form can show each message beside its field. */
    readonly details: ReadonlyArray<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

export interface ApiResponse<T> {
  status: number;
  data: T;
}

export interface ApiClient {
  request<T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  del(path: string): Promise<void>;
  /** A file the API sends as an attachment (CSV exports), read with the bearer token. */
  download(path: string): Promise<{ blob: Blob; filename: string }>;
}

export interface ApiClientOptions {
  token: string;
  /** Called on 401 so the page can ask the user to sign in again. */
  onUnauthorized: (message: string) => void;
  fetchImpl?: typeof fetch;
}

const OFFLINE_MESSAGE = 'Could not reach the server. Check your connection and try again.';

export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetchImpl ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function send(method: string, path: string, body: unknown, accept: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch {
      throw new ApiError(0, 'network_error', OFFLINE_MESSAGE);
    }
    if (response.ok) return response;
    const error = await errorFrom(response);
    if (error.status === 401) options.onUnauthorized(error.message);
    throw error;
  }

  const client: ApiClient = {
    async request<T>(method: string, path: string, body?: unknown) {
      const response = await send(method, path, body, 'application/json');
      const data = response.status === 204 ? null : await response.json();
      return { status: response.status, data: data as T };
    },
    async get<T>(path: string) {
      return (await client.request<T>('GET', path)).data;
    },
    async post<T>(path: string, body?: unknown) {
      return (await client.request<T>('POST', path, body)).data;
    },
    async patch<T>(path: string, body: unknown) {
      return (await client.request<T>('PATCH', path, body)).data;
    },
    async put<T>(path: string, body: unknown) {
      return (await client.request<T>('PUT', path, body)).data;
    },
    async del(path: string) {
      await client.request<null>('DELETE', path);
    },
    async download(path: string) {
      const response = await send('GET', path, undefined, 'text/csv');
      const disposition = response.headers.get('content-disposition') ?? '';
      const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'export.csv';
      return { blob: await response.blob(), filename };
    },
  };
  return client;
}

/** Reads `{error:{code,message}}`; anything else becomes a plain sentence with the status. */
export async function errorFrom(response: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's HTML error page, say): fall through to the generic message.
  }
  if (isErrorBody(body)) return new ApiError(response.status, body.error.code, body.error.message, retryAfter, detailsOf(body.error));
  return new ApiError(response.status, 'http_error', `The server answered ${response.status} ${response.statusText}`.trim(), retryAfter);
}

function isErrorBody(value: unknown): value is { error: { code: string; message: string } } {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = value.error;
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error && typeof error.code === 'string' && typeof error.message === 'string';
}

function detailsOf(error: object): Array<{ path: string; message: string }> {
  if (!('details' in error) || !Array.isArray(error.details)) return [];
  return error.details.filter((d): d is { path: string; message: string } => typeof d?.path === 'string' && typeof d?.message === 'string');
}

/** Retry-After is seconds or an HTTP date; either way the page shows whole seconds. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(1, Math.ceil((at - nowMs) / 1000));
}

/** What to show for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again.';
}
