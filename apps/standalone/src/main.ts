/**
 * `npm start`: every part of the gateway in one process for a single machine — the API (with
 * the web page), the key-test worker, the proxy and the usage consumer — with migrations applied
 * at boot. In production each part runs as its own process. Signals and shutdown: see `runService`.
 */
import { buildApi } from '@byok/api';
import { ensureDatabaseExists, migrate } from '@byok/db';
import { closeServerGracefully } from '@byok/http';
import { proxyPlugin, startProxyServices } from '@byok/proxy';
import { openRuntime, runService } from '@byok/runtime';
import { startUsageConsumer } from '@byok/usage-consumer';
import { backfillKeyHints, recordKeyBindings, startWorker } from '@byok/worker';
import { type DemoMock, startDemoMock } from './demo-mock-providers.js';
import { loadDotEnvIfPresent } from './dot-env.js';
import { parseStandaloneArgs, STANDALONE_USAGE, type StandaloneArgs } from './standalone-args.js';
import { loadStandaloneConfig } from './standalone-config.js';
import { createStandaloneLogger } from './standalone-logger.js';

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
    const applied = await migrate(runtime.orm);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');

    // Rows written by the earlier system have no masked hint yet; fill them before the API lists keys.
    const backfill = await backfillKeyHints({ orm: runtime.orm, keyring: runtime.keyring, logger });
    if (backfill.undecryptable > 0) logger.error({ undecryptable: backfill.undecryptable }, 'some stored keys cannot be decrypted with the configured encryption keys');
    // They also lack binding tags and key fingerprints; recording them never re-encrypts anything.
    await recordKeyBindings({ orm: runtime.orm, keyring: runtime.keyring, logger });

    const worker = await startWorker(runtime);
    const consumer = await startUsageConsumer(runtime);
    const proxy = await startProxyServices(runtime);
    const api = await buildApi(runtime);
    // The proxy's routes (/v1/chat/completions, /v1/models, /api/v1/llm/…) share the API's port here.
    await api.register(proxyPlugin, { services: proxy });
    await api.listen({ host: config.host, port: config.port });
    process.stdout.write(banner(config.host, config.port, demoMock));

    return {
      logger,
      graceMs: config.shutdownGraceMs,
      stopping: 'finishing in-flight requests and jobs',
      unfinished: 'requests or jobs unfinished (jobs are re-run at the next start)',
      async stop() {
        await closeServerGracefully(api);
        await proxy.close();
        await worker.close();
        await consumer.close();
        await runtime.close();
        await demoMock?.close();
      },
    };
  },
});

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
