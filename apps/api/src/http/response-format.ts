/** Export formats a route may offer besides JSON, and the media type each is sent as. */
export const MEDIA_TYPES = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
} as const;

export type ResponseFormat = keyof typeof MEDIA_TYPES;

const ACCEPT_FORMATS: Array<[RegExp, ResponseFormat]> = [
  [/\btext\/csv\b/i, 'csv'],
  [/\bapplication\/(x-ndjson|jsonl|x-jsonlines)\b/i, 'jsonl'],
];

/**
 * The format to answer in: an explicit `format` parameter wins; otherwise an `Accept` header that
 * names one of the offered export types (and does not list JSON before it); otherwise JSON.
 */
export function chooseFormat<F extends ResponseFormat>(explicit: F | undefined, accept: string | undefined, offered: readonly F[]): F | 'json' {
  if (explicit !== undefined) return explicit;
  if (!accept) return 'json';
  const jsonAt = accept.search(/\bapplication\/json\b/i);
  for (const [pattern, format] of ACCEPT_FORMATS) {
    const at = accept.search(pattern);
    const offeredFormat = offered.find((f) => f === format);
    if (offeredFormat !== undefined && at >= 0 && (jsonAt < 0 || at < jsonAt)) return offeredFormat;
  }
  return 'json';
}
