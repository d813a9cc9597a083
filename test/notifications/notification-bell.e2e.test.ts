import { randomUUID } from 'node:crypto';
import { fakeKey } from '@byok/mock-providers';
import { createInPageChannel, keyEventDraft, type KeyEventType, type NotificationEvent } from '@byok/notifications';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, browserUnavailableReason, launchBrowser } from '../e2e/support/browser.js';
import { buildWebToTemp, type WebBuild } from '../e2e/support/build-web.js';
import { type E2eStack, startE2eStack } from '../e2e/support/e2e-stack.js';
import { signInAsDevUser } from '../e2e/support/page-steps.js';

const USER = 'bell-user';
const unavailable = browserUnavailableReason();
if (unavailable) console.warn(`[e2e] skipping the notification bell tests: ${unavailable}`);

function event(type: KeyEventType, userId: string, provider: string, minutesAgo: number, keyId: string = randomUUID()): NotificationEvent {
  const { dedupeScope: _scope, ...draft } = keyEventDraft(type, { keyId, userId, provider, label: `${provider} label` });
  return { ...draft, id: randomUUID(), occurredAt: new Date(Date.now() - minutesAgo * 60_000).toISOString() };
}

/** The header's bell in Debian's Chromium against the real stack, with notifications written as the notifier writes them. */
describe.skipIf(unavailable !== null)('notification bell (headless Chromium)', () => {
  let web: WebBuild;
  let stack: E2eStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    web = await buildWebToTemp();
    stack = await startE2eStack('bell_e2e', { webDistDir: web.dir });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error('[page error]', error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await web?.remove();
  });

  const bell = () => page.getByRole('button', { name: /^Notifications,/ });
  const panel = () => page.getByRole('region', { name: 'Notifications' });

  it("shows the unread count, lists your notifications and not another user's, links each to its key, and marks them read", { timeout: 90_000 }, async () => {
    await page.goto(`${stack.url}/account/api-keys`);
    await page.getByLabel('User id').waitFor();
    await signInAsDevUser(page, USER);
    expect(await bell().getAttribute('aria-label')).toBe('Notifications, none unread');
    // A real key on the page, for a notification to link to its row.
    const { token } = (await (await fetch(`${stack.url}/api/v1/auth/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: USER }) })).json()) as { token: string };
    const saved = await fetch(`${stack.url}/api/v1/llm/byok/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'groq', api_key: fakeKey('groq', 'no_credit', 'bell'), label: 'groq label' }),
    });
    expect(saved.status).toBe(201);
    const groqKeyId = ((await saved.json()) as { id: string }).id;

    await createInPageChannel({ orm: stack.runtime.orm }).deliver([
      event('key_invalid', USER, 'openai', 3),
      event('key_no_credit', USER, 'groq', 2, groqKeyId),
      event('key_recovered', USER, 'mistral', 1),
      event('key_invalid', 'someone-else', 'anthropic', 0),
    ]);
    await page.reload();
    await page.locator('article.key-card').first().waitFor();
    await expect.poll(() => bell().getAttribute('aria-label')).toBe('Notifications, 3 unread');
    expect(await page.getByTestId('unread-count').textContent()).toBe('3');

    await bell().click();
    await panel().waitFor();
    const titles = await panel().locator('.notification-title').allTextContents();
    expect(titles).toEqual(['mistral (mistral label) key works again', 'groq (groq label) key is out of credit', 'openai (openai label) key is invalid']);
    expect(await panel().getByText("Add credit in the provider's billing page, then test the key again.").isVisible()).toBe(true);

    await panel().locator('li', { hasText: 'mistral' }).getByRole('button', { name: 'Mark read' }).click();
    await expect.poll(() => bell().getAttribute('aria-label')).toBe('Notifications, 2 unread');

    await panel().getByRole('link', { name: 'groq (groq label) key is out of credit' }).click();
    // To the key's own row, not only its provider's card.
    await expect.poll(() => new URL(page.url()).hash).toBe(`#key-${groqKeyId}`);
    expect(new URL(page.url()).pathname).toBe('/account/api-keys');
    expect(await page.locator(`li.key-row[id="key-${groqKeyId}"]`).isVisible()).toBe(true);
    await expect.poll(() => bell().getAttribute('aria-label')).toBe('Notifications, 1 unread');

    await bell().click();
    await panel().getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(() => bell().getAttribute('aria-label')).toBe('Notifications, none unread');
    expect(await page.getByTestId('unread-count').count()).toBe(0);
    expect(await panel().getByRole('button', { name: 'Mark read' }).count()).toBe(0);
    // Escape closes the panel.
    await page.keyboard.press('Escape');
    expect(await panel().count()).toBe(0);
    expect(await stack.db.sql("SELECT count(*)::int AS n FROM notifications WHERE user_id = 'someone-else' AND read_at IS NULL")).toEqual([{ n: 1 }]);
  });
});
