/** Authorization headers remembered at most; past it the oldest goes. */
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * The SHA-256 of the gateway token in an `Authorization` header, remembered per header value, so
 * a client that sends its token again (every request of an OpenAI client) skips the header's
 * parsing, the token's shape and checksum test and the hash. Only headers whose token was known
 * are remembered, so a flood of made-up tokens cannot push real clients out.
 *
 * The key is the header as it arrived, token included: it lives in this process's memory only, as
 * long as the request's own copy would, bounded in number, and is never logged, traced or
 * written anywhere. What it maps to (a hash) is a pure function of it, so a revoked token stays
 * revoked: the hash's answer comes from the token cache, which a revocation clears.
 */
export interface TokenHashMemo {
  get(authorization: string): string | undefined;
  remember(authorization: string, tokenHash: string): void;
}

export function createTokenHashMemo(maxEntries = DEFAULT_MAX_ENTRIES): TokenHashMemo {
  const hashes = new Map<string, string>();
  return {
    get: (authorization) => hashes.get(authorization),
    remember(authorization, tokenHash) {
      if (hashes.has(authorization)) return;
      if (hashes.size >= maxEntries) {
        const oldest = hashes.keys().next();
        if (oldest.done !== true) hashes.delete(oldest.value);
      }
      hashes.set(authorization, tokenHash);
    },
  };
}
