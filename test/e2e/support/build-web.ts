import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const WEB_DIR = fileURLToPath(new URL('../../../apps/web/', import.meta.url));

export interface WebBuild {
  dir: string;
  buildMs: number;
  remove(): Promise<void>;
}

/** Builds apps/web with its own vite config into a temporary folder (the checkout's dist is left alone). */
export async function buildWebToTemp(): Promise<WebBuild> {
  const dir = await mkdtemp(join(tmpdir(), 'byok-web-'));
  const started = performance.now();
  const { build } = await import('vite');
  // vitest runs with NODE_ENV=test, which would give React's development build; build what ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(WEB_DIR, 'vite.config.ts'), root: WEB_DIR, mode: 'production', logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return { dir, buildMs: Math.round(performance.now() - started), remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface BundleSize {
  /** Every JS file, gzipped (what the budget counts). */
  jsGzipBytes: number;
  /** The JS the first view needs: the entry chunk index.html loads. */
  entryJsGzipBytes: number;
  cssGzipBytes: number;
  files: Array<{ name: string; bytes: number; gzipBytes: number }>;
}

export async function measureBundle(dir: string): Promise<BundleSize> {
  const assets = join(dir, 'assets');
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  const entry = /<script type="module"[^>]*src="\/assets\/([^"]+)"/.exec(html)?.[1];
  const files: BundleSize['files'] = [];
  for (const name of await readdir(assets)) {
    const content = await readFile(join(assets, name));
    files.push({ name, bytes: (await stat(join(assets, name))).size, gzipBytes: gzipSync(content, { level: 9 }).length });
  }
  const sum = (pick: (f: { name: string }) => boolean) => files.filter(pick).reduce((total, f) => total + f.gzipBytes, 0);
  return {
    jsGzipBytes: sum((f) => f.name.endsWith('.js')),
    entryJsGzipBytes: sum((f) => f.name === entry),
    cssGzipBytes: sum((f) => f.name.endsWith('.css')),
    files,
  };
}
