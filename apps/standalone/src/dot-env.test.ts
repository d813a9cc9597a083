import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDotEnvIfPresent } from './dot-env.js';
import { parseStandaloneArgs } from './standalone-args.js';

// Issue #20 item 9: `npm start` ignored the .env that .env.example tells people to create.
describe('loadDotEnvIfPresent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byok-dotenv-'));
  afterEach(() => {
    delete process.env.BYOK_TEST_DOTENV_FROM_FILE;
    delete process.env.BYOK_TEST_DOTENV_SET;
  });

  it('reads .env from the folder, and a variable already set wins over the file', () => {
    writeFileSync(join(dir, '.env'), '# comment\nBYOK_TEST_DOTENV_FROM_FILE=from-file\nBYOK_TEST_DOTENV_SET=from-file\n');
    process.env.BYOK_TEST_DOTENV_SET = 'from-shell';
    expect(loadDotEnvIfPresent(dir)).toBe(join(dir, '.env'));
    expect(process.env.BYOK_TEST_DOTENV_FROM_FILE).toBe('from-file');
    expect(process.env.BYOK_TEST_DOTENV_SET).toBe('from-shell');
    rmSync(join(dir, '.env'));
  });

  it('does nothing without a .env', () => {
    expect(loadDotEnvIfPresent(dir)).toBeUndefined();
    expect(process.env.BYOK_TEST_DOTENV_FROM_FILE).toBeUndefined();
  });
});

describe('parseStandaloneArgs', () => {
  it('takes --mock-providers and refuses an unknown option by name', () => {
    expect(parseStandaloneArgs(['--mock-providers'])).toEqual({ mockProviders: true, help: false });
    expect(parseStandaloneArgs([])).toEqual({ mockProviders: false, help: false });
    expect(() => parseStandaloneArgs(['--mock'])).toThrow(/--mock/);
  });
});
