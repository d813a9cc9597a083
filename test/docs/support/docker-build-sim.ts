import { execSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import { execForm, parseDockerfile, type Stage } from './dockerfile-stages.js';

// The package is CommonJS (`module.exports = factory`) while its types declare a default export,
// which under NodeNext types the default import as the module; at run time it is the factory.
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;

/** A stage's file set, built into a folder that stands for the image's `/`. */
export interface StagedImage {
  /** The folder standing for `/`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  /** The steps that could not run as written, and what ran instead. */
  substitutions: string[];
  remove(): void;
}

interface StageState {
  dir: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
}

/**
 * Builds the file set of one Dockerfile target the way `docker build` would, without Docker:
 * each stage in its own folder, `FROM <stage>` starting from a copy of it, `COPY` from the build
 * context (honouring .dockerignore, with Docker's own matcher) or from another stage, `WORKDIR`,
 * `ENV`, `ENTRYPOINT` and `CMD` as written, and every `RUN` command run in the stage's folder —
 * except the package installs, which need the registry: `npm ci` links the checkout's installed
 * packages (the same lockfile) with the workspaces linked to the stage's own folders, and
 * `npm install pkg@version` links those packages after checking the checkout has exactly the
 * pinned version; and `chown`, since file ownership is not simulated. Those substitutions are
 * listed in `substitutions`.
 */
export function stageDockerTarget(repoRoot: string, target: string): StagedImage {
  const stages = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
  const context = contextFiles(repoRoot);
  const tmp = mkdtempSync(join(tmpdir(), 'byok-image-'));
  const built = new Map<string, StageState>();
  const substitutions: string[] = [];

  const build = (name: string): StageState => {
    const done = built.get(name);
    if (done !== undefined) return done;
    const stage = stages.find((s) => s.name === name);
    if (stage === undefined) throw new Error(`Dockerfile has no stage ${name}`);
    const state = buildStage(stage);
    built.set(name, state);
    return state;
  };

  const buildStage = (stage: Stage): StageState => {
    const dir = join(tmp, stage.name);
    const parent = stages.some((s) => s.name === stage.from) ? build(stage.from) : undefined;
    if (parent) cpSync(parent.dir, dir, { recursive: true, verbatimSymlinks: true });
    else mkdirSync(dir, { recursive: true });
    const state: StageState = parent ? { ...parent, dir, env: { ...parent.env } } : { dir, workdir: '/', env: {}, entrypoint: [], cmd: [] };
    const host = (path: string): string => join(dir, posix.resolve(state.workdir, path));
    for (const { keyword, args } of stage.instructions) {
      switch (keyword) {
        case 'WORKDIR':
          state.workdir = posix.resolve(state.workdir, args);
          mkdirSync(host('.'), { recursive: true });
          break;
        case 'ENV':
          for (const pair of args.split(/\s+/)) {
            const [key = '', value = ''] = pair.split('=');
            state.env[key] = value;
          }
          break;
        case 'COPY':
          copyStep(args, host, (from) => build(from).dir, context, repoRoot);
          break;
        case 'RUN':
          for (const part of args.split('&&').map((p) => p.trim())) runStep(part, host('.'), state.env, repoRoot, substitutions);
          break;
        case 'ENTRYPOINT':
          state.entrypoint = execForm(args);
          state.cmd = [];
          break;
        case 'CMD':
          state.cmd = execForm(args);
          break;
        case 'USER':
        case 'EXPOSE':
        case 'ARG':
          break;
        default:
          throw new Error(`Dockerfile: ${keyword} is not simulated`);
      }
    }
    return state;
  };

  const image = build(target);
  return { root: image.dir, workdir: image.workdir, env: image.env, entrypoint: image.entrypoint, cmd: image.cmd, substitutions, remove: () => rmSync(tmp, { recursive: true, force: true }) };
}

/** Every file of the build context: the checkout minus what .dockerignore excludes. */
function contextFiles(repoRoot: string): string[] {
  const ignore = dockerignore().add(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));
  const files: string[] = [];
  const walk = (relativeDir: string): void => {
    for (const entry of readdirSync(join(repoRoot, relativeDir), { withFileTypes: true })) {
      const path = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      // Both are excluded by .dockerignore; skipping them only saves the walk.
      if (entry.name === 'node_modules' || path === '.git') continue;
      if (entry.isDirectory()) walk(path);
      else if (!ignore.ignores(path)) files.push(path);
    }
  };
  walk('');
  return files;
}

function copyStep(args: string, host: (path: string) => string, stageDir: (name: string) => string, context: string[], repoRoot: string): void {
  const tokens = args.split(/\s+/);
  const from = tokens.find((t) => t.startsWith('--from='))?.slice('--from='.length);
  const [dest = '', ...sources] = tokens.filter((t) => !t.startsWith('--')).reverse();
  sources.reverse();
  const intoDir = dest.endsWith('/') || sources.length > 1;
  for (const source of sources) {
    if (from !== undefined) {
      const src = join(stageDir(from), source);
      if (!existsSync(src) && !isLink(src)) throw new Error(`COPY --from=${from} ${source}: not in that stage`);
      // A folder's contents go into the destination; a file goes into it when it is a folder.
      const folder = !isLink(src) && lstatSync(src).isDirectory();
      copyPath(src, folder || !intoDir ? host(dest) : join(host(dest), basename(source)));
      continue;
    }
    const prefix = posix.normalize(source);
    const matched = context.filter((f) => f === prefix || f.startsWith(`${prefix}/`));
    if (matched.length === 0) throw new Error(`COPY ${source}: not in the build context (excluded by .dockerignore?)`);
    for (const file of matched) {
      const target = file === prefix ? (intoDir ? join(host(dest), basename(file)) : host(dest)) : join(host(dest), relative(prefix, file));
      copyPath(join(repoRoot, file), target);
    }
  }
}

/** Copies a file, folder or symlink over whatever is there, entry by entry, as COPY does. */
function copyPath(src: string, dest: string): void {
  const stat = lstatSync(src);
  if (stat.isDirectory()) {
    if (isLink(dest)) rmSync(dest);
    mkdirSync(dest, { recursive: true });
    for (const entry of readdirSync(src)) copyPath(join(src, entry), join(dest, entry));
    return;
  }
  mkdirSync(dirname(dest), { recursive: true });
  rmSync(dest, { recursive: true, force: true });
  if (stat.isSymbolicLink()) symlinkSync(readlinkSync(src), dest);
  else copyFileSync(src, dest);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function runStep(command: string, cwd: string, env: Record<string, string>, repoRoot: string, substitutions: string[]): void {
  if (/^npm cache clean\b/.test(command)) return;
  if (/^npm ci\b/.test(command)) {
    linkPackages(repoRoot, cwd, installedPackages(repoRoot));
    substitutions.push(`${command} → linked the checkout's installed packages (same lockfile)`);
    return;
  }
  if (/^npm install\b/.test(command)) {
    const pinned = command.split(/\s+/).flatMap((t) => {
      const match = /^(@?[^@\s]+)@(\d\S*)$/.exec(t);
      return match ? [{ name: match[1] ?? '', version: match[2] ?? '' }] : [];
    });
    for (const { name, version } of pinned) {
      const installed = packageVersion(repoRoot, name);
      if (installed !== version) throw new Error(`Dockerfile installs ${name}@${version}, the lockfile has ${installed}`);
    }
    linkPackages(repoRoot, cwd, dependencyClosure(repoRoot, pinned.map((p) => p.name)));
    substitutions.push(`${command} → linked ${pinned.map((p) => `${p.name}@${p.version}`).join(', ')} and their dependencies`);
    return;
  }
  if (/^chown\b/.test(command)) {
    // Ownership is not simulated: the staged files belong to whoever runs the test.
    substitutions.push(`${command} → skipped (file ownership is not simulated)`);
    return;
  }
  execSync(command, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: 'pipe' });
}

function packageVersion(repoRoot: string, name: string): string {
  const file = join(repoRoot, 'node_modules', name, 'package.json');
  return existsSync(file) ? String((JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version) : 'nothing';
}

/** Top-level installed package names, workspaces (which npm links to the stage's folders) excluded. */
function installedPackages(repoRoot: string): string[] {
  const modules = join(repoRoot, 'node_modules');
  return readdirSync(modules).flatMap((entry) => {
    if (entry.startsWith('.')) return [];
    if (!entry.startsWith('@')) return [entry];
    return readdirSync(join(modules, entry)).map((name) => `${entry}/${name}`);
  });
}

function dependencyClosure(repoRoot: string, names: string[]): string[] {
  const seen = new Set<string>();
  const queue = [...names];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const file = join(repoRoot, 'node_modules', name, 'package.json');
    if (seen.has(name) || !existsSync(file)) continue;
    seen.add(name);
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    queue.push(...Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }));
  }
  return [...seen];
}

/** node_modules in `cwd`: the named packages as links to the checkout's, and every workspace linked as npm links it. */
function linkPackages(repoRoot: string, cwd: string, names: string[]): void {
  const modules = join(cwd, 'node_modules');
  const workspaces = workspaceLinks(cwd);
  for (const name of names) {
    if (workspaces.has(name)) continue;
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules', name), join(modules, name));
  }
  for (const [name, folder] of workspaces) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(relative(dirname(join(modules, name)), join(cwd, folder)), join(modules, name));
  }
}

/** The workspaces of the package.json in `cwd`, by package name, as they are in that folder. */
function workspaceLinks(cwd: string): Map<string, string> {
  const manifestFile = join(cwd, 'package.json');
  const links = new Map<string, string>();
  if (!existsSync(manifestFile)) return links;
  const { workspaces = [] } = JSON.parse(readFileSync(manifestFile, 'utf8')) as { workspaces?: string[] };
  for (const pattern of workspaces) {
    const parent = pattern.replace(/\/\*$/, '');
    if (!existsSync(join(cwd, parent))) continue;
    for (const entry of readdirSync(join(cwd, parent))) {
      const file = join(cwd, parent, entry, 'package.json');
      if (existsSync(file)) links.set(String((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name), `${parent}/${entry}`);
    }
  }
  return links;
}
