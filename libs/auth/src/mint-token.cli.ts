import { parseArgs } from 'node:util';
import { defaultDataDir, defaultJwtSecretPath, generateDevSecret } from './data-dir.js';
import { mintDevToken } from './dev-token.js';
import { loadOrCreateSecretFile } from './secret-file.js';

const USAGE = `Usage: npm run token -- --user <id> [--admin] [--ttl <seconds>]

Mints an HS256 bearer token for standalone/development mode.
  --user <id>      user id to put in the token (required)
  --admin          include the admin role
  --ttl <seconds>  lifetime, default 43200 (12 h)

Environment: AUTH_JWT_SECRET (default: the standalone dev secret file under BYOK_DATA_DIR),
AUTH_ISSUER and AUTH_AUDIENCE (default byok-gateway), AUTH_USER_ID_CLAIM (default sub),
AUTH_ADMIN_ROLE (default admin).`;

const DEFAULT_TTL_SECONDS = 12 * 60 * 60;

/** Where the CLI writes: normal output and diagnostics. */
export interface CliOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * `npm run token`: prints a short explanation, then the token as the last line so that
 * `npm run -s token -- --user alice | tail -n 1` yields just the token. Returns the exit code.
 */
export async function runMintTokenCli(argv: string[], env: NodeJS.ProcessEnv, output: CliOutput): Promise<number> {
  let parsed: CliFlags;
  try {
    parsed = parseFlags(argv);
  } catch (err) {
    output.err(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help === true) {
    output.out(USAGE);
    return 0;
  }
  const userId = parsed.user?.trim() ?? '';
  if (userId === '') {
    output.err(`Missing --user <id>.\n\n${USAGE}`);
    return 2;
  }
  const ttlSeconds = parsed.ttl === undefined ? DEFAULT_TTL_SECONDS : Number(parsed.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    output.err(`--ttl must be a positive whole number of seconds, got "${parsed.ttl}".\n\n${USAGE}`);
    return 2;
  }

  const secret = resolveSecret(env, output);
  const settings = {
    issuer: nonEmpty(env.AUTH_ISSUER) ?? 'byok-gateway',
    audience: nonEmpty(env.AUTH_AUDIENCE) ?? 'byok-gateway',
    userIdClaim: nonEmpty(env.AUTH_USER_ID_CLAIM) ?? 'sub',
    adminRole: nonEmpty(env.AUTH_ADMIN_ROLE) ?? 'admin',
  };
  const admin = parsed.admin === true;
  const token = await mintDevToken({ secret, userId, admin, ttlSeconds, ...settings });
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString();
  output.out(
    `Token for user "${userId}"${admin ? ` with role "${settings.adminRole}"` : ''}, ` +
      `issuer "${settings.issuer}", audience "${settings.audience}", expires ${expiresAt}.`,
  );
  output.out('Send it as: Authorization: Bearer <token>');
  output.out(token);
  return 0;
}

type CliFlags = ReturnType<typeof parseFlags>;

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    options: { user: { type: 'string' }, admin: { type: 'boolean' }, ttl: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  }).values;
}

function resolveSecret(env: NodeJS.ProcessEnv, output: CliOutput): string {
  const fromEnv = nonEmpty(env.AUTH_JWT_SECRET);
  if (fromEnv !== undefined) {
    output.out('Signed with AUTH_JWT_SECRET.');
    return fromEnv;
  }
  // The same file standalone mode reads, so a token minted before `npm start` is accepted by it.
  const path = defaultJwtSecretPath(defaultDataDir(env));
  const { value, created } = loadOrCreateSecretFile(path, generateDevSecret);
  output.out(`Signed with the standalone dev secret in ${path}${created ? ' (created now)' : ''}.`);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
