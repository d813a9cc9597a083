/**
 * Turns an upstream error body into a short human summary such as
 * `authentication_error: invalid x-api-key`. Providers use a handful of envelopes, so one reader
 * tries each known shape instead of keeping a per-provider parser.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Parses JSON without throwing; `undefined` for anything that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Google puts the machine reason in `error.details[].reason` (`API_KEY_INVALID`). */
function googleReason(error: Json): string | undefined {
  const details = error.details;
  if (!Array.isArray(details)) return undefined;
  for (const d of details) {
    if (isObject(d) && str(d.reason)) return str(d.reason);
  }
  return undefined;
}

function summarizeJson(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const error = body.error;
  if (isObject(error)) {
    // Most specific label first: Google's reason, OpenAI's string code, Google's status, the type.
    const label = googleReason(error) ?? str(error.code) ?? str(error.status) ?? str(error.type);
    const message = str(error.message);
    if (label && message) return `${label}: ${message}`;
    return message ?? label;
  }
  if (str(error)) return str(error);
  return str(body.message) ?? str(body.detail);
}

/** Summarises an error body (JSON envelopes, HTML error pages, or plain text). */
export function summarizeErrorBody(text: string): string | undefined {
  const fromJson = summarizeJson(parseJson(text));
  if (fromJson) return fromJson;
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  if (title) return title;
  if (/^\s*</.test(text)) return undefined;
  const plain = text.trim();
  return plain.length > 0 ? plain : undefined;
}
