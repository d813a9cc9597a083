import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { deleteRedisPrefix } from '../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { runCommand, type StartedCommand, startCommand } from './support/shell-command.js';

/**
 * Issue #20: README's "Trying it" walked the way a new user does — the documented commands run
 * literally through the shell (`npm start -- --mock-providers`, `npm run -s token …`,
 * `npm run keys:verify`), then the service used over HTTP and with the `openai` SDK. Only the
 * database, Redis prefix, port and data folder are this test's own.
 */
describe('the first hour, by the README', () => {
  let db: TestDatabase;
  let dataDir: string;
  let redisPrefix: string;
  let env: Record<string, string>;
  let server: StartedCommand;
  let base: string;
  let token: string;

  beforeAll(async () => {
    // An empty database: `npm start` applies the migrations itself.
    db = await createTestDatabase('first_hour', { migrate: false });
    dataDir = mkdtempSync(join(tmpdir(), 'byok-first-hour-'));
    redisPrefix = uniqueTestName('first_hour');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Nothing secret configured: a plain checkout, as the README assumes.
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: testServiceUrls().redisUrl,
      REDIS_PREFIX: redisPrefix,
      PORT: String(port),
      BYOK_DATA_DIR: dataDir,
      BYOK_ENCRYPTION_KEYS: '',
      AUTH_JWT_SECRET: '',
      NODE_ENV: '',
      LOG_LEVEL: 'warn',
      MOCK_SLOW_DELAY_MS: '200',
    };
    server = startCommand('npm start -- --mock-providers', env);
    await server.waitFor('BYOK Gateway is running at', 120_000);
    await server.waitFor(/perplexity\n(?:\s+\S+\s+\S+\n){5}/, 5_000);
    const minted = await runCommand('npm run -s token -- --user alice | tail -1', env);
    expect(minted.code, minted.output).toBe(0);
    token = minted.output.trim();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
    if (redisPrefix) await deleteRedisPrefix(redisPrefix);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const call = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) } });
  const addKey = async (provider: string, apiKey: string): Promise<Response> => call('/api/v1/llm/byok/keys', { method: 'POST', body: JSON.stringify({ provider, api_key: apiKey }) });

  it('prints the fake keys of every scenario beside the valid ones (item 3)', () => {
    for (const scenario of ['valid', 'invalid', 'no_credit', 'rate_limited', 'slow']) expect(printedKey('anthropic', scenario)).toMatch(/^sk-ant-api03-fake/);
    expect(printedKey('openai', 'invalid')).toContain('fakeInvalid0');
  });

  it('serves the page, readiness and the key list', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const keys = await call('/api/v1/llm/byok/keys');
    expect(keys.status).toBe(200);
  });

  it('answers through the mock with a valid fake key, with the official openai SDK', { timeout: 60_000 }, async () => {
    expect((await addKey('anthropic', printedKey('anthropic', 'valid'))).status).toBe(201);
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: token, maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get('x-byok-used')).toBe('true');
    expect(response.headers.get('x-byok-provider')).toBe('anthropic');
    const models = await client.models.list();
    expect(models.data.length).toBeGreaterThan(0);
    expect(models.data.filter((m) => m.id.includes('*'))).toEqual([]);
  });

  it('says what is wrong with a rejected key instead of asking for one (item 4)', { timeout: 60_000 }, async () => {
    expect((await addKey('openai', printedKey('openai', 'invalid'))).status).toBe(201);
    const tested = await call('/api/v1/llm/byok/keys/openai/test', { method: 'POST' });
    expect(tested.status, await tested.clone().text()).toBeLessThan(300);
    const chat = await call('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }) });
    expect(chat.status).toBe(400);
    const body = (await chat.json()) as { error: { message: string } };
    expect(body.error.message).toContain('your OpenAI key was rejected by OpenAI at its last test');
  });

  it('npm run keys:verify reads the secrets npm start generated (item 2)', { timeout: 60_000 }, async () => {
    const verify = await runCommand('npm run keys:verify', env);
    expect(verify.code, verify.output).toBe(0);
    expect(verify.output).toMatch(/\[0\] \w+ {2}2 rows/);
  });

  /** A fake key from the start banner, as a person would copy it. */
  function printedKey(provider: string, scenario: string): string {
    const section = server.output().split(`\n  ${provider}\n`)[1] ?? '';
    const line = section.split('\n').find((l) => l.trimStart().startsWith(`${scenario} `));
    const key = line?.trim().split(/\s+/)[1];
    if (key === undefined) throw new Error(`no ${scenario} key for ${provider} in the banner:\n${server.output()}`);
    return key;
  }
});
