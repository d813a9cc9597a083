import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

/**
 * Where standalone mode keeps local state: `$BYOK_DATA_DIR`, default `.data`, resolved against the
 * current working directory.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const configured = env.BYOK_DATA_DIR;
  return resolve(cwd, configured === undefined || configured === '' ? '.data' : configured);
}

/** Path of a generated development secret, e.g. `devSecretPath('jwt-secret')`. */
export function devSecretPath(name: string, dataDir: string = defaultDataDir()): string {
  return join(dataDir, 'dev-secrets', name);
}

/** The file standalone mode and `npm run token` share when AUTH_JWT_SECRET is not set. */
export function defaultJwtSecretPath(dataDir: string = defaultDataDir()): string {
  return devSecretPath('jwt-secret', dataDir);
}

/** A fresh random secret: 32 bytes, base64url (43 characters). */
export function generateDevSecret(): string {
  return randomBytes(32).toString('base64url');
}
