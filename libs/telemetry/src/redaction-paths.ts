/**
 * Log fields that hold credentials, in pino's redact path syntax. pino replaces their values with
 * `[redacted]` before serializing, whatever the value looks like. `*` stands for one level.
 * Header names are lower-case as Node delivers them; `Authorization` is listed as well because
 * outgoing header objects built in code often capitalise it.
 */
export const redactionPaths: readonly string[] = [
  // Authorization headers, wherever a request or header object is logged.
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'headers.Authorization',
  'req.headers.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  // Provider key headers: OpenAI-style `x-api-key` (Anthropic) and Gemini's `x-goog-api-key`.
  'x-api-key',
  'x-goog-api-key',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  '*.headers["x-api-key"]',
  '*.headers["x-goog-api-key"]',
  'req.headers.cookie',
  'headers.cookie',
  // Key material in bodies and domain objects.
  'api_key',
  'apiKey',
  '*.api_key',
  '*.apiKey',
  'body.api_key',
  // Two levels down covers arrays of key objects (`keys[0].api_key`) and wrapped payloads.
  '*.*.api_key',
  '*.*.apiKey',
  '*.*.plaintext',
  'plaintext',
  '*.plaintext',
  'key',
  'token',
  'password',
  'secret',
  '*.token',
  '*.password',
  '*.secret',
  // Gemini-style `?key=` once parsed into a query object.
  'query.key',
  'req.query.key',
  '*.query.key',
];
