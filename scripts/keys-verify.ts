/**
 * `npm run keys:verify`: how many stored provider keys each configured encryption key opens, how
 * many open with none, and how many fail their row binding or have none yet. Decrypts every row
 * (seconds for 100,000); `--fast` reads only the recorded key fingerprints, like
 * GET /api/v1/admin/byok/encryption/status. Never prints key material: counts, fingerprints, ids.
 *
 *   npm run keys:verify [-- --fast] [--json] [--expect-rotated]
 *
 * Reads the service's configuration; after a plain `npm start` (no BYOK_ENCRYPTION_KEYS) that is
 * the key it generated in .data/dev-secrets/. No auth secret is needed.
 *
 * Exit status: 0 all rows readable and bound (and, with --expect-rotated, all under the first key
 * and tagged, so older keys can be removed); 1 otherwise; 2 bad arguments or configuration.
 */
import { parseArgs } from 'node:util';
import { loadScriptConfig } from './support/script-config.js';
import { describeKeyCoverage, type KeyCoverage } from '@byok/crypto';
import { countKeysByFingerprint, storedKeysSchema } from '@byok/db';
import { openRuntime, scanStoredKeys, type Runtime, type StoredKeysScan } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';

class UsageError extends Error {}

function parseOptions(argv: string[]): { fast: boolean; json: boolean; expectRotated: boolean } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { fast: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, 'expect-rotated': { type: 'boolean', default: false } },
      strict: true,
    });
    return { fast: values.fast, json: values.json, expectRotated: values['expect-rotated'] };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const config = loadScriptConfig(process.env);
  const logger = createLogger({ level: config.logLevel, name: 'keys-verify', destination: process.stderr });
  // This is the tool that explains a boot refusal, so it must start where the services would not.
  const runtime = await openRuntime(config, logger, { storedKeysCheck: 'off' });
  try {
    return options.fast ? await fast(runtime, options) : await full(runtime, options);
  } finally {
    await runtime.close();
  }
}

async function fast(runtime: Runtime, options: { json: boolean; expectRotated: boolean }): Promise<number> {
  const em = runtime.orm.em.fork();
  if ((await storedKeysSchema(em)) !== 'current') throw new Error('user_provider_keys is missing or not migrated: run `npm run db:migrate` first');
  const coverage = describeKeyCoverage(await countKeysByFingerprint(em), runtime.keyring.fingerprints);
  const unknown = coverage.unknownKeys.reduce((sum, k) => sum + k.rows, 0);
  const older = coverage.keys.slice(1).reduce((sum, k) => sum + k.rows, 0);
  if (options.json) process.stdout.write(`${JSON.stringify({ mode: 'fast', ...coverage }, null, 2)}\n`);
  else process.stdout.write(renderCoverage(coverage));
  const failed = unknown > 0 || (options.expectRotated && (older > 0 || coverage.unrecordedRows > 0 || coverage.untaggedRows > 0));
  return failed ? 1 : 0;
}

async function full(runtime: Runtime, options: { json: boolean; expectRotated: boolean }): Promise<number> {
  const scan = await scanStoredKeys({ orm: runtime.orm, keyring: runtime.keyring });
  const older = scan.rowsByKeyIndex.slice(1).reduce((sum, n) => sum + n, 0);
  if (options.json) {
    const keys = runtime.keyring.fingerprints.map((fingerprint, index) => ({ index, fingerprint, rows: scan.rowsByKeyIndex[index] ?? 0 }));
    process.stdout.write(`${JSON.stringify({ mode: 'full', keys, ...scan }, null, 2)}\n`);
  } else {
    process.stdout.write(renderScan(runtime.keyring.fingerprints, scan, older));
  }
  const failed = scan.undecryptable > 0 || scan.bindingMismatch > 0 || (options.expectRotated && (older > 0 || scan.untagged > 0));
  return failed ? 1 : 0;
}

function renderScan(fingerprints: readonly string[], scan: StoredKeysScan, older: number): string {
  const lines = ['Configured encryption keys (the first encrypts; rows each key opens):'];
  for (const [index, fingerprint] of fingerprints.entries()) lines.push(`  [${index}] ${fingerprint}  ${scan.rowsByKeyIndex[index] ?? 0} rows`);
  lines.push(
    `Rows no configured key opens:               ${scan.undecryptable}${ids(scan.exampleIds.undecryptable)}`,
    `Rows whose binding tag does not match:      ${scan.bindingMismatch}${ids(scan.exampleIds.bindingMismatch)}`,
    `Rows without a binding tag (legacy):        ${scan.untagged}`,
    `Rows without an up-to-date key fingerprint: ${scan.fingerprintNotRecorded}`,
    `Total rows:                                 ${scan.totalRows}`,
  );
  if (older > 0) lines.push(`Older keys are still needed by ${older} rows: run \`npm run keys:rotate\` before removing them.`);
  else if (scan.undecryptable === 0) lines.push('Every readable row is under the first key: older keys can be removed.');
  if (scan.untagged > 0 || scan.fingerprintNotRecorded > 0) lines.push('Untagged or unrecorded rows get their tag and fingerprint from `npm run keys:rotate` (or the worker\'s boot-time backfill).');
  return `${lines.join('\n')}\n`;
}

function renderCoverage(coverage: KeyCoverage): string {
  const lines = ['Configured encryption keys (rows recorded under each; no decryption):'];
  for (const key of coverage.keys) lines.push(`  [${key.index}] ${key.fingerprint}  ${key.rows} rows (${key.untagged} untagged)`);
  for (const key of coverage.unknownKeys) lines.push(`  NOT CONFIGURED ${key.fingerprint}  ${key.rows} rows: undecryptable`);
  lines.push(`Rows with no recorded fingerprint (run without --fast to check them): ${coverage.unrecordedRows}`, `Total rows: ${coverage.totalRows}`);
  return `${lines.join('\n')}\n`;
}

function ids(list: string[]): string {
  return list.length > 0 ? ` (e.g. ${list.join(', ')})` : '';
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`keys:verify failed: ${message}\n${error instanceof UsageError ? 'usage: npm run keys:verify -- [--fast] [--json] [--expect-rotated]\n' : ''}`);
    process.exit(error instanceof UsageError || (error instanceof Error && error.name === 'ConfigError') ? 2 : 1);
  },
);
