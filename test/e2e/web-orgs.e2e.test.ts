import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { fakeKey } from '@byok/mock-providers';
import { browserUnavailableReason, launchBrowser, type Browser } from './support/browser.js';
import { buildWebToTemp, type WebBuild } from './support/build-web.js';
import { startE2eStack, type E2eStack } from './support/e2e-stack.js';
import { cardOf, hasFocus, horizontalOverflow, proxiedChat, sessionToken, signInAsDevUser } from './support/page-steps.js';

const ARTIFACTS = 'test-artifacts/e2e';
const OWNER = 'e2e-org-owner';
const MEMBER = 'e2e-org-member';
const ADMIN = 'e2e-org-admin';
const unavailable = browserUnavailableReason();
if (unavailable) console.warn(`[e2e] skipping the organization page tests: ${unavailable}`);

/**
 * Issue #17 on the web page, in Debian's Chromium against the real stack: an owner creates an
 * organization from the switcher, adds a member, an admin and an org key on the same key cards as
 * their own, and cannot leave as the last owner; the admin reads the org's activity; the member
 * sees the org in the switcher, only a summary of its keys and no activity, and creates a gateway
 * token for the org. Steps build on each other like three people's sessions, on one tab.
 */
describe.skipIf(unavailable !== null)('organizations on the web page (headless Chromium)', () => {
  let web: WebBuild;
  let stack: E2eStack;
  let browser: Browser;
  let page: Page;
  let orgId = '';

  beforeAll(async () => {
    web = await buildWebToTemp();
    stack = await startE2eStack('web_orgs_e2e', { webDistDir: web.dir });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error('[page error]', error.message));
    // The last-owner step provokes a 409 on purpose.
    page.on('console', (message) => message.type() === 'error' && !message.text().includes('409') && console.error('[page console]', message.text()));
    await mkdir(ARTIFACTS, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await web?.remove();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/orgs-${name}.png`, fullPage: true });
  const switcher = () => page.getByRole('combobox', { name: 'Acting as' });

  const orgViews = () => page.getByRole('navigation', { name: 'Acme E2E views' });

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${await sessionToken(page)}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${stack.url}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, data: (await res.json()) as T };
  }

  async function signInAs(userId: string) {
    await page.goto(`${stack.url}/account/api-keys`);
    if (await page.getByRole('button', { name: 'Sign out' }).isVisible()) await page.getByRole('button', { name: 'Sign out' }).click();
    await signInAsDevUser(page, userId);
  }

  it('creates an organization from the switcher and lands on its members', async () => {
    await signInAs(OWNER);
    expect(await switcher().locator('option').allTextContents()).toEqual(['Personal account']);
    await page.getByRole('link', { name: 'Create organization' }).click();
    const name = page.getByLabel('Organization name');
    await expect.poll(() => hasFocus(name)).toBe(true);
    await name.fill('Acme E2E');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('heading', { name: 'Members of Acme E2E' }).waitFor();
    orgId = /\/account\/orgs\/([^/]+)\/members$/.exec(new URL(page.url()).pathname)?.[1] ?? '';
    expect(orgId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await switcher().inputValue()).toBe(orgId);
    expect(await switcher().locator('option').allTextContents()).toEqual(['Personal account', 'Acme E2E (Owner)']);
  });

  it('adds members with a role, and refuses to let the last owner leave, in the owner’s row', async () => {
    await page.getByLabel('User id').fill(MEMBER);
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.locator(`tr[data-user-id="${MEMBER}"]`).waitFor();
    expect(await hasFocus(page.getByLabel('User id'))).toBe(true);
    await page.getByLabel('User id').fill(ADMIN);
    await page.getByRole('combobox', { name: 'Role', exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.locator(`tr[data-user-id="${ADMIN}"]`).waitFor();
    const members = await api<{ members: Array<{ user_id: string; role: string }> }>('GET', `/orgs/${orgId}/members`);
    expect(Object.fromEntries(members.data.members.map((m) => [m.user_id, m.role]))).toEqual({ [OWNER]: 'owner', [MEMBER]: 'member', [ADMIN]: 'admin' });

    const ownerRow = page.locator(`tr[data-user-id="${OWNER}"]`);
    const leave = ownerRow.getByRole('button', { name: 'Leave the organization' });
    await leave.click();
    await page.getByRole('dialog', { name: 'Leave Acme E2E?' }).getByRole('button', { name: 'Leave Acme E2E' }).click();
    const refusal = page.locator(`tr[data-user-id="${OWNER}"] + tr [role="alert"]`);
    await expect.poll(() => refusal.textContent()).toMatch(/owner/i);
    expect(await hasFocus(leave)).toBe(true);
    await shot('01-last-owner');
  });

  it('adds an org key on the same key cards as the owner’s own, stored for the org only', async () => {
    await page.getByRole('link', { name: 'Keys', exact: true }).last().click();
    await page.getByRole('heading', { name: 'Acme E2E’s keys' }).waitFor();
    await cardOf(page, 'groq').getByRole('button', { name: 'Add key for Groq' }).click();
    await page.getByLabel('Groq API key').fill(fakeKey('groq', 'valid', 'e2e-org'));
    await page.getByRole('button', { name: 'Save and test' }).click();
    await expect.poll(() => page.getByTestId('key-result').textContent(), { timeout: 20_000 }).toMatch(/Groq key works/);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await cardOf(page, 'groq').getAttribute('data-status')).toBe('connected');
    const orgKeys = await api<{ keys: Array<{ provider: string }> }>('GET', `/orgs/${orgId}/byok/keys`);
    expect(orgKeys.data.keys.map((k) => k.provider)).toEqual(['groq']);
    const ownKeys = await api<{ keys: unknown[] }>('GET', '/llm/byok/keys');
    expect(ownKeys.data.keys).toEqual([]);
    await shot('02-org-keys');
  });

  it('shows an admin the org’s activity: the key they added, and who did everything else', async () => {
    await signInAs(ADMIN);
    // A second Groq key, so the member's summary below stays one provider.
    const apiKey = fakeKey('groq', 'valid', 'e2e-org-admin');
    const added = await api<{ masked_key: string }>('POST', `/orgs/${orgId}/byok/keys`, { provider: 'groq', label: 'backup', api_key: apiKey });
    expect(added.status).toBe(201);
    await switcher().selectOption(orgId);
    await orgViews().getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('heading', { name: 'Activity of Acme E2E' }).waitFor();
    const records = page.getByTestId('audit-item');
    const mine = records.filter({ hasText: `Added the Groq key “backup” (${added.data.masked_key})` });
    await mine.waitFor();
    expect(await mine.getByTestId('audit-actor').textContent()).toBe('You');
    expect(await records.filter({ hasText: 'Added the Groq key (' }).getByTestId('audit-actor').textContent()).toBe(OWNER);
    expect(await records.filter({ hasText: `Added ${MEMBER} as a member` }).getByTestId('audit-actor').textContent()).toBe(OWNER);
    expect(await records.filter({ hasText: 'Added you as an admin' }).getByTestId('audit-actor').textContent()).toBe(OWNER);
    expect(await page.locator('main').textContent()).not.toContain(apiKey);

    await page.getByLabel('Action').selectOption('key.created');
    await expect.poll(() => records.allTextContents()).toEqual([expect.stringContaining('“backup”'), expect.stringContaining('Added the Groq key (')]);
    await shot('03-org-activity');
  });

  it('shows the member the org in the switcher and a summary of its keys without hints', async () => {
    await signInAs(MEMBER);
    await expect.poll(() => switcher().locator('option').allTextContents()).toEqual(['Personal account', 'Acme E2E (Member)']);
    await switcher().selectOption(orgId);
    const table = page.getByRole('table', { name: 'Providers with organization keys' });
    await table.waitFor();
    expect(await table.locator('tbody tr').allTextContents()).toEqual([expect.stringMatching(/^Groq.*Connected/)]);
    expect(await page.locator('main').textContent()).not.toContain('****');
    expect(await page.locator('main button').count()).toBe(0);
    await page.getByRole('link', { name: 'Members' }).click();
    expect(await page.getByRole('combobox', { name: /^Role of/ }).count()).toBe(0);
    await page.setViewportSize({ width: 375, height: 812 });
    expect(await horizontalOverflow(page), 'horizontal overflow on the members view').toBeLessThanOrEqual(0);
    await shot('04-member-view');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('gives a member no activity tab, and explains the view when its address is opened', async () => {
    expect(await orgViews().getByRole('link').allTextContents()).toEqual(['Keys', 'Members', 'Usage', 'Settings']);
    await page.goto(`${stack.url}/account/orgs/${orgId}/activity`);
    await page.getByText('Only the owners and admins of Acme E2E can read its activity; your role is Member.').waitFor();
    expect(await page.getByTestId('audit-item').count()).toBe(0);
  });

  it('lets a member create a gateway token for the org, listed with its org, that uses the org’s key', async () => {
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Token name').fill('e2e org client');
    await page.getByLabel('Acts for').selectOption({ label: 'Acme E2E' });
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('new-token').textContent()) ?? '';
    expect(await page.getByTestId('snippet-acts-for').textContent()).toContain('This token acts for the organization “Acme E2E”.');
    const row = page.getByTestId('token-row').filter({ hasText: 'e2e org client' });
    await expect.poll(() => row.getByTestId('token-acts-for').textContent()).toBe('Acme E2E');
    await shot('05-org-token');
    // The member holds no key of their own: the org's Groq key serves the request, as the receipt says.
    const res = await proxiedChat(stack.url, token, 'groq/llama-3.1-8b-instant');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-byok-route')).toContain('org:groq');
  });

  it('returns to the org from the landing path in the same tab, and to personal when chosen', async () => {
    await page.goto(`${stack.url}/`);
    await page.waitForURL(`**/account/orgs/${orgId}/keys`);
    await switcher().selectOption('');
    await page.waitForURL('**/account/api-keys');
    await page.goto(`${stack.url}/account`);
    await page.locator('article.key-card').first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/account');
  });
});
