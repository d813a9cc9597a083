/**
 * `npm run bench [-- name ...]` runs every `bench/*.bench.ts` (or the named ones) one after the
 * other and prints each one's Markdown section. Each module's default export is a `Benchmark`.
 * Results are ratios against a baseline measured in the same run, because this machine is shared.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Benchmark {
  title: string;
  run(): Promise<string>;
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

console.log(`# Benchmark run ${new Date().toISOString()} (node ${process.version})\n`);
for (const file of files) {
  const mod = (await import(`./${file}`)) as { default: Benchmark };
  console.log(`## ${mod.default.title}\n`);
  console.log(await mod.default.run());
  console.log('');
}
process.exit(0);
