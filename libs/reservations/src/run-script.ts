import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script sent by its SHA1, and in full only when the server does not have it yet. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs `script` with EVALSHA, falling back to EVAL once when the server answers NOSCRIPT (after a
 * restart or SCRIPT FLUSH); EVAL also caches it for the next call.
 */
export async function runScript(redis: Redis, script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
