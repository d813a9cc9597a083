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
 * restart or SCRIPT FLUSH); EVAL also caches it for the next call. Keys and arguments go as one
 * array (ioredis flattens it), never spread into the call: a batch of many thousand arguments
 * would pass the engine's limit on a call's arguments (RangeError: Maximum call stack size).
 */
export async function runScript(redis: Redis, script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, keys.concat(args));
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script.source, keys.length, keys.concat(args));
  }
}
