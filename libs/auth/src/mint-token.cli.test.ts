import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthenticator } from './authenticator.js';
import { runMintTokenCli } from './mint-token.cli.js';

const SECRET = 'cli-secret-cli-secret-cli-secret-0123';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'byok-cli-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMintTokenCli(argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function lastLine(lines: string[]): string {
  const line = lines.at(-1);
  if (line === undefined) throw new Error('no output');
  return line;
}

describe('npm run token', () => {
  it('prints an explanation and the token as the last line; the token verifies', async () => {
    const result = await run(['--user', 'alice', '--admin'], { AUTH_JWT_SECRET: SECRET });
    expect(result.code).toBe(0);
    expect(result.out.length).toBeGreaterThan(1);
    expect(result.out.join('\n')).toMatch(/alice/);
    const auth = createAuthenticator({ mode: 'hs256', secret: SECRET, issuer: 'byok-gateway', audience: 'byok-gateway', userIdClaim: 'sub', adminRole: 'admin' });
    const principal = await auth.verify(`Bearer ${lastLine(result.out)}`);
    expect(principal).toMatchObject({ userId: 'alice', isAdmin: true });
  });

  it('honours AUTH_ISSUER, AUTH_AUDIENCE, AUTH_USER_ID_CLAIM and --ttl', async () => {
    const env = { AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'iss-x', AUTH_AUDIENCE: 'aud-x', AUTH_USER_ID_CLAIM: 'email' };
    const result = await run(['--user', 'dana@example.com', '--ttl', '60'], env);
    expect(result.code).toBe(0);
    const token = lastLine(result.out);
    const auth = createAuthenticator({ mode: 'hs256', secret: SECRET, issuer: 'iss-x', audience: 'aud-x', userIdClaim: 'email', adminRole: 'admin' });
    expect(await auth.verify(`Bearer ${token}`)).toMatchObject({ userId: 'dana@example.com', isAdmin: false });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { iat: number; exp: number };
    expect(payload.exp - payload.iat).toBe(60);
  });

  it('without AUTH_JWT_SECRET, creates and then reuses the standalone dev secret file', async () => {
    const env = { BYOK_DATA_DIR: join(dir, 'data') };
    const first = await run(['--user', 'alice'], env);
    const secretPath = join(dir, 'data', 'dev-secrets', 'jwt-secret');
    expect(first.code).toBe(0);
    expect(first.out.join('\n')).toContain('(created now)');
    expect(statSync(secretPath).mode & 0o777).toBe(0o600);
    const second = await run(['--user', 'bob'], env);
    expect(second.out.join('\n')).not.toContain('(created now)');
  });

  it.each([[[]], [['--user']], [['--user', '']], [['--bogus']], [['--user', 'a', '--ttl', 'soon']], [['--user', 'a', '--ttl', '-5']]])(
    'prints usage and exits 2 for bad arguments %j',
    async (argv) => {
      const result = await run(argv, { AUTH_JWT_SECRET: SECRET });
      expect(result.code).toBe(2);
      expect(result.out).toEqual([]);
      expect(result.err.join('\n')).toMatch(/Usage: npm run token -- --user <id>/);
    },
  );
});
