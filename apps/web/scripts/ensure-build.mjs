// Builds the page when apps/web/dist is missing or older than its sources, so `npm start` always
// serves the current page without paying for a build on every start. Usage:
//   node apps/web/scripts/ensure-build.mjs          (build only when needed)
//   node apps/web/scripts/ensure-build.mjs --force  (always build)
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = fileURLToPath(new URL('..', import.meta.url));
const builtIndex = join(webDir, 'dist', 'index.html');

function newestMtimeMs(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtimeMs(join(path, name))), stat.mtimeMs);
}

function needsBuild() {
  if (process.argv.includes('--force') || !existsSync(builtIndex)) return true;
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(webDir, p)).filter((p) => existsSync(p));
  return Math.max(...sources.map(newestMtimeMs)) > statSync(builtIndex).mtimeMs;
}

if (needsBuild()) {
  const started = Date.now();
  process.stdout.write('Building the web page (apps/web/dist)…\n');
  // A NODE_ENV of development or test in the caller's shell would give React's development build.
  process.env.NODE_ENV = 'production';
  const { build } = await import('vite');
  await build({ root: webDir, configFile: join(webDir, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  process.stdout.write(`Built the web page in ${Date.now() - started} ms.\n`);
}
