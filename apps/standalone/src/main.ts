/**
 * `npm start`: the whole gateway on one machine and one port, with migrations applied at boot.
 * This process is the primary: it does what happens once per start (the `.env`, the offline mock,
 * generated secrets, creating and migrating the database, the key backfills), then forks
 * - HTTP workers (the larger of API_WORKERS and PROXY_WORKERS, default one per core), each serving
 *   the API with the web page and the proxy on the shared port (`http-worker.main.ts`), and
 * - one background process: the key-test worker, the usage consumer and the notifier (`background.main.ts`),
 * so no proxied request waits behind a job. In production each part runs as its own service.
 * Signals and shutdown: see `runService`; the HTTP workers drain first, then the background one.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDatabaseExists, migrate } from '@byok/db';
import { openRuntime, runService, startWorkerProcesses } from '@byok/runtime';
import { backfillKeyHints, recordKeyBindings } from '@byok/worker';
import { type DemoMock, startDemoMock } from './demo-mock-providers.js';
import { loadDotEnvIfPresent } from './dot-env.js';
import { parseStandaloneArgs, STANDALONE_USAGE, type StandaloneArgs } from './standalone-args.js';
import { loadStandaloneConfig } from './standalone-config.js';
import { createStandaloneLogger } from './standalone-logger.js';

/** The worker entry files sit next to this one (`.ts` from source, `.js` once built). */
const entry = (name: string): string => fileURLToPath(new URL(`./${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
/** A second beyond the workers' own grace period, so a worker that runs out of time reports it first. */
const WORKER_REPORT_MS = 1000;

let args: StandaloneArgs;
try {
  args = parseStandaloneArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${STANDALONE_USAGE}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${STANDALONE_USAGE}\n`);
  process.exit(0);
}
await runService({
  name: 'standalone',
  async start() {
    // .env first, so the mock's URLs below replace any provider URL it sets.
    const dotEnv = loadDotEnvIfPresent();
    const demoMock: DemoMock | undefined = args.mockProviders ? await startDemoMock(process.env) : undefined;

    const { config, generated } = loadStandaloneConfig(process.env);
    const logger = await createStandaloneLogger(config.logLevel);
    if (dotEnv !== undefined) logger.info({ path: dotEnv }, 'read settings from .env (variables already set in the environment win)');
    warnAboutGeneratedSecrets(logger, generated);

    if (await ensureDatabaseExists(config.databaseUrl)) logger.info('created the database');
    // Refuses to start (StoredKeysUnreadableError) when the key list would leave stored keys
    // undecryptable; the message says which key fingerprint is missing and for how many rows.
    const runtime = await openRuntime(config, logger);
    try {
      await prepareDatabase(runtime, logger);
    } finally {
      // The primary serves nothing: each worker opens its own runtime.
      await runtime.close();
    }

    const workers = await startWorkerProcesses({
      groups: [
        { role: 'http', exec: entry('http-worker.main'), count: Math.max(config.workers.api, config.workers.proxy) },
        { role: 'background', exec: entry('background.main'), count: 1 },
      ],
      logger,
    });
    process.stdout.write(banner(config.host, config.port, demoMock));

    return {
      logger,
      graceMs: config.shutdownGraceMs + WORKER_REPORT_MS,
      stopping: 'finishing in-flight requests and jobs',
      unfinished: 'requests or jobs unfinished (jobs are re-run at the next start)',
      async stop() {
        try {
          await workers.stop();
        } finally {
          await demoMock?.close();
        }
      },
    };
  },
});

/** Once per start, before any worker runs: migrations, then the backfills of rows the earlier system wrote. */
async function prepareDatabase(runtime: Awaited<ReturnType<typeof openRuntime>>, logger: Awaited<ReturnType<typeof createStandaloneLogger>>): Promise<void> {
  const applied = await migrate(runtime.orm);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
  // Rows written by the earlier system have no masked hint yet; fill them before the API lists keys.
  const backfill = await backfillKeyHints({ orm: runtime.orm, keyring: runtime.keyring, logger });
  if (backfill.undecryptable > 0) logger.error({ undecryptable: backfill.undecryptable }, 'some stored keys cannot be decrypted with the configured encryption keys');
  // They also lack binding tags and key fingerprints; recording them never re-encrypts anything.
  await recordKeyBindings({ orm: runtime.orm, keyring: runtime.keyring, logger });
}

function warnAboutGeneratedSecrets(logger: Awaited<ReturnType<typeof createStandaloneLogger>>, generated: ReturnType<typeof loadStandaloneConfig>['generated']): void {
  for (const secret of generated) {
    const loud = secret.name === 'encryption-key'
      ? 'Stored provider keys are encrypted with it: back it up, and set BYOK_ENCRYPTION_KEYS in any real deployment. Losing it loses every stored key.'
      : 'Tokens minted with `npm run token` are signed with it.';
    logger.warn({ path: secret.path, created: secret.created }, `No ${secret.name === 'encryption-key' ? 'BYOK_ENCRYPTION_KEYS' : 'AUTH_JWT_SECRET'} configured: using the generated ${secret.name} in ${secret.path}. ${loud}`);
  }
}

function banner(host: string, port: number, demoMock: DemoMock | undefined): string {
  const base = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  return [
    '',
    `BYOK Gateway is running at ${base}`,
    `  Web page:      ${base}/`,
    `  OpenAI-compatible proxy: ${base}/v1 (API key: a gateway token or a bearer JWT)`,
    `  API docs:      ${base}/docs`,
    `  Job dashboard: ${base}/admin/queues (admin token)`,
    '  Get a token:   npm run token -- --user alice   (add --admin for admin routes)',
    '',
    demoMock === undefined ? '  Offline demo:  npm start -- --mock-providers   (fake providers in this process)\n' : `Offline demo: every provider call goes to the mock providers in this process.\n${demoMock.banner}`,
  ].join('\n');
}
