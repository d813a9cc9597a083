import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The secret's value, and whether this call created the file. */
export interface SecretFileResult {
  value: string;
  created: boolean;
}

/**
 * Returns the secret stored at `path`, creating it with `generate()` when the file does not exist.
 *
 * Invariants: the file is created with mode 0600 in a directory created with mode 0700; it
 * appears complete or not at all (written to a temporary file, then hard-linked into place, which
 * unlike rename fails when the target exists); when several processes race, exactly one value
 * wins and every caller returns it; an existing file that group or others may access is refused
 * rather than used, since a secret anyone on the machine can read protects nothing.
 */
export function loadOrCreateSecretFile(path: string, generate: () => string): SecretFileResult {
  const existing = readSecret(path);
  if (existing !== undefined) return { value: existing, created: false };

  const value = generate();
  if (value === '' || value !== value.trim()) {
    throw new Error('A generated secret must be non-empty and have no surrounding whitespace');
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tempPath = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeNewFile(tempPath, value);
  try {
    linkSync(tempPath, path);
    return { value, created: true };
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
    // Another caller got there first; theirs is the value everyone must use.
    const winner = readSecret(path);
    if (winner === undefined) throw err;
    return { value: winner, created: false };
  } finally {
    unlinkSync(tempPath);
  }
}

function readSecret(path: string): string | undefined {
  let text: string;
  try {
    assertPrivate(path);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  const value = text.trim();
  if (value === '') throw new Error(`Secret file ${path} is empty; delete it to have a new secret generated`);
  return value;
}

function assertPrivate(path: string): void {
  const stats = statSync(path);
  if (!stats.isFile()) throw new Error(`Secret file ${path} is not a regular file`);
  // POSIX permission bits mean nothing on Windows, where this check would always fail.
  if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8);
    throw new Error(`Secret file ${path} has mode ${mode}, which lets others read it; run: chmod 600 ${path}`);
  }
}

function writeNewFile(path: string, value: string): void {
  // `wx` fails instead of following a symlink or reusing a file someone planted at this name.
  const fd = openSync(path, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600); // the umask may have narrowed the mode further; make it exact.
    writeSync(fd, `${value}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
