/**
 * Fails when a workspace package imports a package its package.json does not declare
 * (`npx tsx scripts/check-manifests.ts`; part of `npm run lint`).
 */
import { fileURLToPath } from 'node:url';
import { findUndeclaredImports } from './manifests/undeclared-imports.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const undeclared = findUndeclaredImports(root);
for (const gap of undeclared) process.stderr.write(`${gap.workspace}: imports ${gap.dependency} (first in ${gap.file}) without declaring it in package.json\n`);
if (undeclared.length > 0) process.exit(1);
process.stdout.write('every workspace package declares what it imports\n');
