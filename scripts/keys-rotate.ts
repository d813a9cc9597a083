/**
 * `npm run keys:rotate`: re-encrypts every stored provider key under the first key of
 * BYOK_ENCRYPTION_KEYS and writes its binding tag and key fingerprint. See libs/crypto/ROTATION.md
 * for the procedure (the new key must be on every instance before this runs).
 *
 *   npm run keys:rotate                      audit and enqueue the rotate-encryption job for the worker
 *   npm run keys:rotate -- --wait            … and wait for it, printing its counts
 *   npm run keys:rotate -- --inline          run it in this process (no worker needed); resumable
 *        [--batch-size 500] [--pause-ms 0] [--requested-by NAME]
 *
 * Reads the service's configuration; after a plain `npm start` (no BYOK_ENCRYPTION_KEYS) that is
 * the key it generated in .data/dev-secrets/. No auth secret is needed.
 *
 * Exit status: 0 done (or enqueued), 1 the job failed or rows were left undecryptable or mismatched,
 * 2 bad arguments or configuration.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadScriptConfig } from './support/script-config.js';
import { appendAudit } from '@byok/db';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { rotateEncryption } from '@byok/worker';
import { Job } from 'bullmq';

const USAGE = 'usage: npm run keys:rotate -- [--inline | --wait] [--batch-size N] [--pause-ms N] [--requested-by NAME]';

interface Options {
  inline: boolean;
  wait: boolean;
  batchSize: number;
  pauseMs: number;
  requestedBy: string;
}

function parseOptions(argv: string[]): Options {
  const values = parseOrThrowUsage(() =>
    parseArgs({
      args: argv,
      options: {
        inline: { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        'batch-size': { type: 'string', default: '500' },
        'pause-ms': { type: 'string', default: '0' },
        'requested-by': { type: 'string', default: `cli:${safeUserName()}` },
      },
      strict: true,
    }).values,
  );
  const batchSize = Number(values['batch-size']);
  const pauseMs = Number(values['pause-ms']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) throw new UsageError('--batch-size must be an integer from 1 to 5000');
  if (!Number.isInteger(pauseMs) || pauseMs < 0) throw new UsageError('--pause-ms must be an integer >= 0');
  return { inline: values.inline, wait: values.wait, batchSize, pauseMs, requestedBy: values['requested-by'].slice(0, 255) };
}

class UsageError extends Error {}

function parseOrThrowUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const config = loadScriptConfig(process.env);
  // Logs go to stderr so stdout carries only the result.
  const logger = createLogger({ level: config.logLevel, name: 'keys-rotate', destination: process.stderr });
  // Rotating is how an operator fixes what the boot check refuses, so it only warns here.
  const runtime = await openRuntime(config, logger, { storedKeysCheck: 'warn' });
  try {
    const target = runtime.keyring.fingerprints[0] ?? '';
    await appendAudit(runtime.orm.em.fork(), {
      actorId: options.requestedBy,
      actorType: 'system',
      action: 'encryption.rotation_started',
      subjectUserId: '*',
      details: { target_fingerprint: target, configured_keys: runtime.keyring.fingerprints.length, inline: options.inline },
    });
    if (options.inline) {
      const result = await rotateEncryption({ orm: runtime.orm, keyring: runtime.keyring, logger, requestedBy: options.requestedBy, batchSize: options.batchSize, pauseMs: options.pauseMs });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return result.undecryptable + result.bindingMismatch > 0 ? 1 : 0;
    }
    const job = await runtime.producers.maintenance.enqueue({ task: 'rotate-encryption', requestedBy: options.requestedBy }, { deduplication: { id: 'rotate-encryption' } });
    process.stdout.write(`${JSON.stringify({ enqueued: true, jobId: job.id, targetFingerprint: target })}\n`);
    return options.wait ? await waitForJob(runtime, job.id) : 0;
  } finally {
    await runtime.close();
  }
}

/** Polls the job until it ends; prints its result or failure. */
async function waitForJob(runtime: Runtime, jobId: string): Promise<number> {
  for (;;) {
    const job = await Job.fromId(runtime.producers.maintenance.queue, jobId);
    if (job === undefined) throw new Error(`job ${jobId} is gone (removed after it finished?)`);
    const state = await job.getState();
    if (state === 'completed') {
      const result = job.returnvalue as { undecryptable?: number; bindingMismatch?: number };
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return (result.undecryptable ?? 0) + (result.bindingMismatch ?? 0) > 0 ? 1 : 0;
    }
    if (state === 'failed') {
      process.stderr.write(`rotation job ${jobId} failed: ${job.failedReason}\n`);
      return 1;
    }
    await sleep(1000);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`keys:rotate failed: ${message}\n${error instanceof UsageError ? `${USAGE}\n` : ''}`);
    process.exit(error instanceof UsageError || (error instanceof Error && error.name === 'ConfigError') ? 2 : 1);
  },
);
