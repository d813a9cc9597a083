import { SECRET_MASK } from './secret-scrubber.js';

/**
 * Names of log fields that hold credentials, at any depth of a log line: authorization and
 * provider key headers, key material in bodies and domain objects, and Gemini's `?key=` once
 * parsed into a query object. Their values are masked whatever they look like, which catches what
 * `scrubSecrets` cannot recognise (a Cohere key, a password).
 */
export const CREDENTIAL_FIELDS: readonly string[] = [
  'authorization',
  'Authorization',
  'x-api-key',
  'x-goog-api-key',
  'cookie',
  'api_key',
  'apiKey',
  'plaintext',
  'key',
  'token',
  'password',
  'secret',
];

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

// A field name in a serialized line, then its value: a JSON string (escapes included), a number, a
// boolean, or an array or object with no array or object inside (strings in it are matched whole,
// so a bracket inside one cannot end it early). Inside a string value every quote is escaped, so
// `"key":` can only match a real field name. A deeper value is left to the fields inside it.
const STRING = '"(?:[^"\\\\]|\\\\.)*"';
const FLAT = `(?:${STRING}|[^"{}\\[\\]])*`;
const VALUE = `${STRING}|-?[0-9][0-9.eE+-]*|true|false|\\[${FLAT}\\]|\\{${FLAT}\\}`;
const FIELD_VALUE = new RegExp(`"(${CREDENTIAL_FIELDS.map(escapeRegExp).join('|')})":(?:${VALUE})`, 'g');
const MASKED_VALUE = `"$1":"${SECRET_MASK}"`;

/**
 * Masks the values of credential fields in a serialized JSON log line. It runs on the finished
 * line (pino's `streamWrite` hook), so it sees what the serializers produced, child logger
 * bindings included, in one regex pass. pino's path-based `redact` did the same for these names
 * with wildcard paths (`*.authorization`, `*.*.api_key`, …), which made it clone and walk every
 * logged object: ~11 µs per line against well under one for this (bench/RESULTS.md, keys API).
 */
export function redactCredentialFields(line: string): string {
  return line.replace(FIELD_VALUE, MASKED_VALUE);
}
