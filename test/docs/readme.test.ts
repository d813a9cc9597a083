import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envTableMarkdown } from '@byok/config';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('opens with the two commands', () => {
    const firstBlock = readme.split('```')[1] ?? '';
    expect(firstBlock).toContain('npm ci && npm start');
    expect(firstBlock).toContain('npm ci && npm test');
  });

  it('documents every configuration variable exactly as the code defines it', () => {
    const table = readme.split('<!-- env-table:start -->')[1]?.split('<!-- env-table:end -->')[0]?.trim();
    expect(table).toBe(envTableMarkdown());
  });
});
