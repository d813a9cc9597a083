/** Largest non-streamed completion the proxy buffers; a bigger answer is an upstream fault. */
export const MAX_COMPLETION_BYTES = 32 * 1024 * 1024;

/** Error bodies are short; anything longer is a page, and only its start is worth reading. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The most of an upstream body with this status that any reader of it keeps. */
export function maxBodyBytesFor(status: number): number {
  return status >= 200 && status < 300 ? MAX_COMPLETION_BYTES : MAX_ERROR_BODY_BYTES;
}
