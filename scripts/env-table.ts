/** `npx tsx --conditions=@byok/source scripts/env-table.ts`: prints the README configuration table. */
import { envTableMarkdown } from '@byok/config';

process.stdout.write(`${envTableMarkdown()}\n`);
