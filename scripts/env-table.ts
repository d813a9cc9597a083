/**
 * Rewrites the configuration table in README.md from the env schema
 * (`npx tsx --conditions=@byok/source scripts/env-table.ts`); test/docs/readme.test.ts fails when they differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { envTableMarkdown } from '@byok/config';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const [before, rest] = readme.split('<!-- env-table:start -->');
const after = rest?.split('<!-- env-table:end -->')[1];
if (before === undefined || after === undefined) throw new Error('README.md has no env-table markers');
writeFileSync(path, `${before}<!-- env-table:start -->\n${envTableMarkdown()}\n<!-- env-table:end -->${after}`);
