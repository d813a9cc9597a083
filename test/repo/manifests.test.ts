import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findUndeclaredImports, packageImports } from '../../scripts/manifests/undeclared-imports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('workspace manifests', () => {
  it('declare every package each workspace package imports', () => {
    expect(findUndeclaredImports(root)).toEqual([]);
  });
});

describe('packageImports', () => {
  it('finds imports, re-exports and import() calls by package name, without subpaths', () => {
    const source = [
      "import { a } from '@byok/db';",
      "import type { B } from 'ioredis';",
      "export { c } from 'typebox/value';",
      "const d = await import('pino-pretty');",
      "import './side-effect.js';",
    ].join('\n');
    expect([...packageImports(source)].sort()).toEqual(['@byok/db', 'ioredis', 'pino-pretty', 'typebox']);
  });

  it('skips relative paths, Node built-ins, and text in strings and comments', () => {
    const source = [
      "import { readFileSync } from 'node:fs';",
      "import { join } from 'path';",
      "import { x } from '../x.js';",
      "// import { y } from 'left-pad';",
      "const snippet = `import OpenAI from 'openai';`;",
    ].join('\n');
    expect([...packageImports(source)]).toEqual([]);
  });
});
