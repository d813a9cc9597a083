// The same rule as `@byok/auth`: scheme case-insensitive (RFC 9110 §11.1), one token68 value.
const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/** The credential of a `Bearer` Authorization header, or undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return BEARER.exec(header)?.[1];
}
