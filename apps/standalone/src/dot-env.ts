import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Reads `.env` from the current folder into `env` when the file exists (Node's own parser,
 * `process.loadEnvFile`), so `npm start` honours the same file docker compose reads. A variable
 * already set in the environment wins over the file. Returns the file's path, or undefined.
 */
export function loadDotEnvIfPresent(cwd: string = process.cwd()): string | undefined {
  const path = resolve(cwd, '.env');
  if (!existsSync(path)) return undefined;
  process.loadEnvFile(path);
  return path;
}
