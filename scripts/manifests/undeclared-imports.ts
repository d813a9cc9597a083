import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** A package import that its workspace package's manifest does not declare. */
export interface UndeclaredImport {
  /** The workspace package, e.g. `apps/usage-consumer`. */
  workspace: string;
  /** The imported package, e.g. `@byok/db`. */
  dependency: string;
  /** Where it is imported first (relative to the repository root). */
  file: string;
}

interface Manifest {
  name?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const SOURCE_FILE = /\.(ts|tsx|mts|js|mjs)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage']);
const BUILTINS = new Set(builtinModules);

/**
 * Every bare import in a workspace package (libs/*, apps/*) that its package.json does not declare.
 * Runtime code must name the dependency in `dependencies` (or `peerDependencies`); tests, test
 * helpers (`testing/`), build configuration and checkout scripts (`scripts/`) may also use the
 * package's or the root's `devDependencies` (vitest, fast-check, …), which the root installs for
 * every workspace. Relying on hoisting instead works until a version moves or the
 * package is installed on its own, so this keeps each manifest honest.
 */
export function findUndeclaredImports(root: string): UndeclaredImport[] {
  const rootManifest = readManifest(join(root, 'package.json'));
  const found: UndeclaredImport[] = [];
  for (const workspace of workspacePackages(root)) {
    const manifest = readManifest(join(root, workspace, 'package.json'));
    // A package may import itself by name (its tests do, through its exports).
    const runtime = new Set([manifest.name ?? workspace, ...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
    const forTests = new Set([...runtime, ...Object.keys(manifest.devDependencies ?? {}), ...Object.keys(rootManifest.devDependencies ?? {})]);
    const reported = new Set<string>();
    for (const file of sourceFiles(join(root, workspace))) {
      const allowed = isTestFile(file) ? forTests : runtime;
      for (const dependency of packageImports(readFileSync(file, 'utf8'))) {
        if (allowed.has(dependency) || reported.has(dependency)) continue;
        reported.add(dependency);
        found.push({ workspace, dependency, file: relative(root, file) });
      }
    }
  }
  return found;
}

/** The package names a source text imports (no relative paths, no Node built-ins). */
export function packageImports(source: string): Set<string> {
  // The compiler's own scanner: imports, re-exports and import() calls, never text in strings or comments.
  const { importedFiles } = ts.preProcessFile(source, true, true);
  const names = new Set<string>();
  for (const { fileName: specifier } of importedFiles) {
    if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
    if (!BUILTINS.has(name)) names.add(name);
  }
  return names;
}

function workspacePackages(root: string): string[] {
  return ['libs', 'apps'].flatMap((group) =>
    readdirSync(join(root, group))
      .map((name) => `${group}/${name}`)
      .filter((dir) => statSync(join(root, dir, 'package.json'), { throwIfNoEntry: false })?.isFile() === true),
  );
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* sourceFiles(join(dir, entry.name));
    } else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      yield join(dir, entry.name);
    }
  }
}

/** Tests, test helpers, build configuration and checkout scripts, which may use devDependencies. */
function isTestFile(file: string): boolean {
  return /\.test\.tsx?$/.test(file) || /[/\\](test|testing|scripts)[/\\]/.test(file) || /\.config\.ts$/.test(file);
}

function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}
