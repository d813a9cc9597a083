import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultDataDir, defaultJwtSecretPath, generateDevSecret } from './data-dir.js';
import { loadOrCreateSecretFile, type SecretFileResult } from './secret-file.js';

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'byok-secret-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadOrCreateSecretFile', () => {
  it('creates the parent directories and a 0600 file', () => {
    const path = join(dir, 'nested', 'dev-secrets', 'jwt-secret');
    const result = loadOrCreateSecretFile(path, () => 'generated-value');
    expect(result).toEqual({ value: 'generated-value', created: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested', 'dev-secrets')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'nested', 'dev-secrets'))).toEqual(['jwt-secret']); // no temp files left
  });

  it('reuses the stored value and does not call the generator again', () => {
    const path = join(dir, 'secret');
    loadOrCreateSecretFile(path, () => 'first');
    const again = loadOrCreateSecretFile(path, () => {
      throw new Error('must not generate');
    });
    expect(again).toEqual({ value: 'first', created: false });
  });

  it('returns the winner when another caller creates the file in the meantime', () => {
    const path = join(dir, 'secret');
    // The generator runs after the existence check: creating the file inside it simulates a
    // second process winning the race at the worst moment.
    const result = loadOrCreateSecretFile(path, () => {
      loadOrCreateSecretFile(path, () => 'winner');
      return 'loser';
    });
    expect(result).toEqual({ value: 'winner', created: false });
    expect(loadOrCreateSecretFile(path, () => 'x').value).toBe('winner');
    expect(readdirSync(dir)).toEqual(['secret']);
  });

  it('leaves one value when several processes create it at once', async () => {
    const path = join(dir, 'race', 'secret');
    const fixture = join(repoRoot, 'libs/auth/test/secret-file-race.fixture.ts');
    const tsx = join(repoRoot, 'node_modules/.bin/tsx');
    const startAt = String(Date.now() + 2500);
    const runs = Array.from({ length: 6 }, () => execFileAsync(tsx, [fixture, path, startAt], { cwd: repoRoot }));
    const results = (await Promise.all(runs)).map((run) => JSON.parse(run.stdout) as SecretFileResult);
    const values = new Set(results.map((r) => r.value));
    expect(values.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(loadOrCreateSecretFile(path, () => 'x').value).toBe([...values][0]);
  });

  it('refuses a file that group or others can read', () => {
    const path = join(dir, 'secret');
    writeFileSync(path, 'exposed\n', { mode: 0o644 });
    chmodSync(path, 0o644);
    expect(() => loadOrCreateSecretFile(path, () => 'x')).toThrow(/mode 644.*chmod 600/);
    chmodSync(path, 0o640);
    expect(() => loadOrCreateSecretFile(path, () => 'x')).toThrow(/mode 640/);
  });

  it('reads a hand-written 0600 file, trimming the trailing newline', () => {
    const path = join(dir, 'secret');
    writeFileSync(path, 'hand-written\n', { mode: 0o600 });
    expect(loadOrCreateSecretFile(path, () => 'x')).toEqual({ value: 'hand-written', created: false });
  });

  it('refuses an empty file and an empty generated value', () => {
    const path = join(dir, 'secret');
    writeFileSync(path, '\n', { mode: 0o600 });
    expect(() => loadOrCreateSecretFile(path, () => 'x')).toThrow(/empty/);
    expect(() => loadOrCreateSecretFile(join(dir, 'other'), () => '')).toThrow(/non-empty/);
  });
});

describe('data dir defaults', () => {
  it('defaults to .data under the working directory, overridable by BYOK_DATA_DIR', () => {
    expect(defaultDataDir({}, '/srv/app')).toBe('/srv/app/.data');
    expect(defaultDataDir({ BYOK_DATA_DIR: 'state' }, '/srv/app')).toBe('/srv/app/state');
    expect(defaultDataDir({ BYOK_DATA_DIR: '/var/lib/byok' }, '/srv/app')).toBe('/var/lib/byok');
    expect(defaultJwtSecretPath('/srv/app/.data')).toBe('/srv/app/.data/dev-secrets/jwt-secret');
  });

  it('generates 256-bit base64url secrets', () => {
    const secret = generateDevSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateDevSecret()).not.toBe(secret);
  });
});
