/**
 * Records that a gateway token was used (`last_used_at`), at most once per `intervalMs` per token,
 * after the response: "last used" needs minute precision, not a database write per request.
 */
export interface TokenUseRecorder {
  used(tokenId: string): void;
}

export interface TokenUseRecorderDeps {
  touch(tokenId: string): Promise<void>;
  onError(error: unknown): void;
  intervalMs?: number;
  /** Most tokens remembered; beyond it, entries older than the interval are forgotten. */
  maxTokens?: number;
  now?: () => number;
}

export function createTokenUseRecorder(deps: TokenUseRecorderDeps): TokenUseRecorder {
  const intervalMs = deps.intervalMs ?? 60_000;
  const maxTokens = deps.maxTokens ?? 100_000;
  const now = deps.now ?? Date.now;
  const touchedAt = new Map<string, number>();

  function forgetOld(at: number): void {
    for (const [id, when] of touchedAt) if (at - when >= intervalMs) touchedAt.delete(id);
    // Still full of recent tokens: start over rather than grow (a few extra writes at worst).
    if (touchedAt.size >= maxTokens) touchedAt.clear();
  }

  return {
    used(tokenId) {
      const at = now();
      const last = touchedAt.get(tokenId);
      if (last !== undefined && at - last < intervalMs) return;
      if (last === undefined && touchedAt.size >= maxTokens) forgetOld(at);
      touchedAt.set(tokenId, at);
      deps.touch(tokenId).catch(deps.onError);
    },
  };
}
