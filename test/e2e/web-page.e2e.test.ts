import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { fakeKey } from '@byok/mock-providers';
import { browserUnavailableReason, launchBrowser, type Browser } from './support/browser.js';
import { buildWebToTemp, measureBundle, type BundleSize, type WebBuild } from './support/build-web.js';
import { startE2eStack, type E2eStack } from './support/e2e-stack.js';
import {
  addKeyThroughApi,
  cardOf,
  containsFocus,
  firstContentMark,
  hasFocus,
  horizontalOverflow,
  proxiedChat,
  signInAsDevUser,
  waitForUsage,
} from './support/page-steps.js';

const ARTIFACTS = 'test-artifacts/e2e';
const JS_BUDGET_GZIP_BYTES = 200 * 1024;
const USER = 'e2e-alice';
const unavailable = browserUnavailableReason();
if (unavailable) console.warn(`[e2e] skipping the web page tests: ${unavailable}`);

/**
 * The web page in Debian's Chromium against the real stack (API, page and proxy on one port, the
 * key-test worker, the usage consumer, Postgres, Redis, mock providers). The steps build on each
 * other like one user's session, so they run in order on one tab.
 */
describe.skipIf(unavailable !== null)('web page (headless Chromium)', () => {
  let web: WebBuild;
  let bundle: BundleSize;
  let stack: E2eStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    web = await buildWebToTemp();
    bundle = await measureBundle(web.dir);
    stack = await startE2eStack('web_e2e', { webDistDir: web.dir });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error('[page error]', error.message));
    // The rate-limit step's 429 is expected; anything else the console reports is worth seeing.
    page.on('console', (message) => message.type() === 'error' && !message.text().includes('429') && console.error('[page console]', message.text()));
    await mkdir(ARTIFACTS, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await web?.remove();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });

  it('keeps the JavaScript under the 200 KB gzip budget', () => {
    console.log(`[e2e] web build ${web.buildMs} ms; JS ${kb(bundle.jsGzipBytes)} gz in all, entry ${kb(bundle.entryJsGzipBytes)} gz, CSS ${kb(bundle.cssGzipBytes)} gz`);
    expect(bundle.jsGzipBytes).toBeLessThan(JS_BUDGET_GZIP_BYTES);
  });

  it('signs in with the development sign-in and shows every provider, none configured', async () => {
    await page.goto(`${stack.url}/account/api-keys`);
    await page.getByLabel('User id').waitFor();
    await shot('00-sign-in');
    await signInAsDevUser(page, USER);
    await expect.poll(() => page.getByTestId('user-id').textContent()).toBe(USER);
    expect(await page.locator('article.key-card').count()).toBe(8);
    expect(await page.getByRole('heading', { name: 'Add your first key' }).isVisible()).toBe(true);
    expect(await cardOf(page, 'openrouter').getByText('Recommended').isVisible()).toBe(true);
    expect(await page.getByTestId('stat-configured').textContent()).toContain('0');
    // The page keeps its token out of cookies: the job dashboard's cookie is the API's, HttpOnly.
    expect((await browser.context.cookies(stack.url)).some((c) => c.name === 'byok_token')).toBe(false);
    await shot('01-signed-in-empty');
  });

  it('adds a valid key in two steps and shows it testing, then connected', async () => {
    await page.getByRole('button', { name: 'Add a key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a key' });
    await dialog.getByRole('radio', { name: /Groq/ }).check();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    const input = page.getByLabel('Groq API key');
    await input.fill('gsk_short');
    expect(await page.getByTestId('key-feedback').textContent()).toMatch(/doesn't look like a Groq key/);
    // The mock's slow scenario answers after 1.5 s, long enough to see the testing state.
    await input.fill(fakeKey('groq', 'slow', 'e2e'));
    expect(await page.getByTestId('key-feedback').textContent()).toMatch(/Looks like a Groq key/);
    await shot('02-add-key-form');
    await page.getByRole('button', { name: 'Save and test' }).click();
    await expect.poll(() => page.getByTestId('key-result').textContent()).toMatch(/Testing your key with Groq/);
    expect(await cardOf(page, 'groq').getAttribute('data-status')).toBe('testing');
    await expect.poll(() => page.getByTestId('key-result').textContent(), { timeout: 20_000 }).toMatch(/Groq key works: \d+ models reachable/);
    await shot('03-key-connected-dialog');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await cardOf(page, 'groq').getAttribute('data-status')).toBe('connected');
    expect(await cardOf(page, 'groq').locator('code.masked').textContent()).toMatch(/^gsk_.*\*+.*$/);
    expect(await page.getByTestId('stat-valid').textContent()).toBe('1');
  });

  it('adds a key the provider rejects and shows it invalid with the reason', async () => {
    await cardOf(page, 'openai').getByRole('button', { name: 'Add key for OpenAI' }).click();
    await page.getByLabel('OpenAI API key').fill(fakeKey('openai', 'invalid', 'e2e'));
    await page.getByRole('button', { name: 'Save and test' }).click();
    await expect.poll(() => page.getByTestId('key-result').textContent(), { timeout: 20_000 }).toMatch(/^OpenAI rejected the key \(.+\)\.$/);
    // Issue #20: the page used to put its own "OpenAI rejected the key:" before the server's.
    expect((await page.getByTestId('key-result').textContent())?.match(/rejected the key/g)).toHaveLength(1);
    await page.getByRole('button', { name: 'Done' }).click();
    const card = cardOf(page, 'openai');
    expect(await card.getAttribute('data-status')).toBe('invalid');
    expect((await card.getByTestId('key-message').textContent())?.length).toBeGreaterThan(5);
    await shot('04-key-invalid');
  });

  it('disables and enables a key', async () => {
    const card = cardOf(page, 'groq');
    await card.getByRole('button', { name: 'Disable Groq key' }).click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('disabled');
    await card.getByRole('button', { name: 'Enable Groq key' }).click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('connected');
  });

  // Issue #20 item 6: after "Save and test" focus fell to the page body and Escape did nothing.
  it('closes the key dialog with Escape after "Save and test", focus kept inside it', async () => {
    await cardOf(page, 'together').getByRole('button', { name: 'Add key for Together' }).click();
    const dialog = page.getByRole('dialog', { name: /Together/ });
    await page.getByLabel(/Together.* API key/).fill(fakeKey('together', 'valid', 'e2e'));
    await page.getByRole('button', { name: 'Save and test' }).click();
    await page.getByTestId('key-result').waitFor();
    await expect.poll(() => containsFocus(dialog)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await expect.poll(() => cardOf(page, 'together').getAttribute('data-status'), { timeout: 20_000 }).toBe('connected');
  });

  // Issue #20 item 5: a replacement is tested before it replaces the working key, by default.
  // The API's answer is the contract of `POST /keys?test_first=true` (2xx: replaced; 4xx with a
  // message: the old key kept), served here so the page is checked against exactly that contract.
  it('tests a replacement first by default and keeps the working key when the new one fails', async () => {
    const card = cardOf(page, 'groq');
    const masked = await card.locator('code.masked').textContent();
    const requests: string[] = [];
    await page.route('**/api/v1/llm/byok/keys?test_first=true', async (route) => {
      requests.push(route.request().url());
      await route.fulfill({
        status: 422,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'key_test_failed', message: 'Groq rejected the key: Invalid API Key. Your current key was kept.', request_id: 'e2e' } }),
      });
    });
    try {
      await card.getByRole('button', { name: 'Replace Groq key' }).click();
      const testFirst = page.getByLabel(/Test before replacing/);
      expect(await testFirst.isChecked()).toBe(true);
      await page.getByLabel('Groq API key').fill(fakeKey('groq', 'invalid', 'e2e'));
      await page.getByRole('button', { name: 'Test and replace' }).click();
      await expect.poll(() => page.getByRole('dialog').getByRole('alert').textContent()).toBe('Groq rejected the key: Invalid API Key. Your current key was kept.');
      expect(requests).toHaveLength(1);
      await shot('04b-replacement-failed-test');
      await page.keyboard.press('Escape');
      expect(await card.getAttribute('data-status')).toBe('connected');
      expect(await card.locator('code.masked').textContent()).toBe(masked);
    } finally {
      await page.unroute('**/api/v1/llm/byok/keys?test_first=true');
    }
  });

  it('answers the sixth test within a minute with the rate-limit toast', async () => {
    const card = cardOf(page, 'openai');
    const test = card.getByRole('button', { name: 'Test OpenAI key' });
    for (let i = 0; i < 5; i++) {
      await test.click();
      // Each test waits for the worker's verdict; the button comes back when it is in.
      await expect.poll(() => test.isEnabled(), { timeout: 20_000 }).toBe(true);
    }
    await test.click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Too many tests' }).textContent()).toMatch(/Too many tests, try again in \d+ s/);
    await shot('05-rate-limited');
  });

  it('deletes a key only after the confirmation, and gives focus back when cancelled', async () => {
    const card = cardOf(page, 'openai');
    const remove = card.getByRole('button', { name: 'Delete OpenAI key' });
    await remove.click();
    const dialog = page.getByRole('dialog', { name: 'Delete your OpenAI key?' });
    expect(await dialog.isVisible()).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    // Focus stays inside the dialog however far you tab.
    expect(await containsFocus(dialog)).toBe(true);
    await page.keyboard.press('Escape');
    expect(await dialog.count()).toBe(0);
    expect(await hasFocus(remove)).toBe(true);
    expect(await card.getAttribute('data-status')).toBe('invalid');

    await remove.click();
    await shot('06-delete-confirmation');
    await page.getByRole('dialog', { name: 'Delete your OpenAI key?' }).getByRole('button', { name: 'Delete key' }).click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('not_configured');
  });

  it('measures the first render of the keys view', async () => {
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.reload();
      samples.push(await firstContentMs(page));
    }
    const median = [...samples].sort((a, b) => a - b)[1] ?? Number.NaN;
    console.log(`[e2e] first meaningful content (navigation start → key cards with data): ${samples.map((s) => `${s} ms`).join(', ')}; median ${median} ms`);
    await writeFile(`${ARTIFACTS}/web-metrics.json`, JSON.stringify({ firstContentMs: samples, medianFirstContentMs: median, bundle }, null, 2));
    // The budget is 1 s on an idle machine; the guard is looser because CI runs two test files at once.
    expect(median).toBeLessThan(3000);
  });

  it('creates a token (shown once, with the proxy URL) that works against the proxy, and revokes it', async () => {
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Token name').fill('e2e laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('new-token').textContent()) ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(await page.getByTestId('base-url').first().textContent()).toBe(`${stack.url}/v1`);
    await shot('07-token-created');

    expect((await proxiedChat(stack.url, token, 'groq/llama-3.1-8b-instant')).status).toBe(200);
    await page.getByRole('button', { name: 'Revoke e2e laptop' }).click();
    await page.getByRole('dialog', { name: /Revoke/ }).getByRole('button', { name: 'Revoke token' }).click();
    await expect.poll(() => page.getByTestId('token-row').filter({ hasText: 'e2e laptop' }).textContent()).toContain('Revoked');
    await expect.poll(async () => (await proxiedChat(stack.url, token, 'groq/llama-3.1-8b-instant')).status, { timeout: 10_000 }).toBe(401);
  });

  it('has no horizontal scroll at phone (375 px) and tablet (768 px) widths', async () => {
    for (const width of [768, 375]) {
      await page.setViewportSize({ width, height: 812 });
      for (const path of ['/account/api-keys', '/account/tokens', '/account/activity', '/account/about']) {
        await page.goto(`${stack.url}${path}`);
        await page.locator('main h1').first().waitFor();
        expect(await horizontalOverflow(page), `horizontal overflow on ${path} at ${width} px`).toBeLessThanOrEqual(0);
      }
    }
    await page.goto(`${stack.url}/account/api-keys`);
    await page.locator('article.key-card').first().waitFor();
    await shot('08-phone-keys');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('shows the activity trail', async () => {
    await page.goto(`${stack.url}/account/activity`);
    await expect.poll(() => page.getByTestId('audit-item').count()).toBeGreaterThan(3);
    expect(await page.getByText('Added the Groq key').count()).toBeGreaterThan(0);
    expect(await page.getByText('Deleted the OpenAI key').count()).toBe(1);
    await shot('09-activity');
  });

  it('signs out, and an admin sign-in opens the job dashboard through the cookie', async () => {
    await page.goto(`${stack.url}/account/api-keys`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('User id').waitFor();
    expect((await browser.context.cookies(`${stack.url}/admin/queues`)).some((c) => c.name === 'byok_token')).toBe(false);
    // Without the cookie the dashboard refuses the browser.
    expect((await page.goto(`${stack.url}/admin/queues`))?.status()).toBe(401);

    await page.goto(`${stack.url}/account/api-keys`);
    await signInAsDevUser(page, 'e2e-admin', true);
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.waitForURL('**/admin/queues**');
    // The first load is the sign-in hint; its script trades the page's session for the dashboard's
    // HttpOnly cookie and reloads into the dashboard, whose UI renders under its CSP.
    await expect.poll(() => page.title(), { timeout: 10_000 }).toMatch(/bull/i);
    await page.getByText('key-tests').first().waitFor({ timeout: 10_000 });
    expect((await browser.context.cookies(`${stack.url}/admin/queues`)).find((c) => c.name === 'byok_dashboard')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.goto(`${stack.url}/account/api-keys`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${stack.url}/account/api-keys`);
    await signInAsDevUser(page, USER);
  });

  it('draws usage charts after a few proxied requests', { timeout: 120_000 }, async () => {
    const { token } = await addKeyThroughApi(page, stack.url, 'openrouter', fakeKey('openrouter', 'valid', 'usage'));
    for (const model of ['gpt-4o-mini', 'gpt-4o-mini', 'claude-3-5-haiku-latest', 'groq/llama-3.1-8b-instant']) {
      const res = await proxiedChat(stack.url, token, model);
      expect(res.status, await res.text()).toBe(200);
    }
    await waitForUsage(stack.url, token, 4);
    await page.goto(`${stack.url}/account/usage`);
    await page.getByTestId('usage-chart').first().locator('canvas').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('usage-chart').count()).toBe(3);
    expect(await page.getByRole('table', { name: 'By model' }).getByText('gpt-4o-mini').count()).toBeGreaterThan(0);
    // The lines can follow the providers or the busiest models instead of the user's keys.
    const calls = page.getByTestId('usage-chart').first();
    await page.getByLabel('Lines').selectOption('model');
    await expect.poll(() => calls.getAttribute('aria-label')).toMatch(/openai\/gpt-4o-mini: 2 in total/);
    expect(await calls.getAttribute('aria-label')).toContain('anthropic/claude-3-5-haiku-latest: 1 in total');
    await page.getByLabel('Lines').selectOption('provider');
    await expect.poll(() => calls.getAttribute('aria-label')).toMatch(/^Calls per day .*OpenRouter: 4 in total\.$/);
    await page.getByLabel('Lines').selectOption('keys');
    await shot('10-usage');
    await page.setViewportSize({ width: 375, height: 812 });
    expect(await horizontalOverflow(page), 'horizontal overflow on the usage view').toBeLessThanOrEqual(0);
    await shot('11-phone-usage');
  });
});

async function firstContentMs(page: Page): Promise<number> {
  await page.locator('article.key-card').first().waitFor();
  const at = await firstContentMark(page);
  expect(at).toBeGreaterThan(0);
  return Math.round(at);
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
