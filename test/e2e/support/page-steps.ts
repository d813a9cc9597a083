import type { Locator, Page } from 'playwright-core';

/** Steps the web page tests share; each does what a user (or their client) would. */

export async function signInAsDevUser(page: Page, userId: string, admin = false): Promise<void> {
  await page.getByLabel('User id').fill(userId);
  if (admin) await page.getByLabel(/Admin/).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('article.key-card').first().waitFor();
}

export function cardOf(page: Page, provider: string): Locator {
  return page.locator(`article.key-card[data-provider="${provider}"]`);
}

// Code that runs in the page avoids DOM globals (or is passed as a string): the root tsconfig has no DOM types.

/** How far the page is wider than the window; 0 means no horizontal scroll. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
}

export async function containsFocus(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el.contains(el.ownerDocument.activeElement));
}

export async function hasFocus(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === el.ownerDocument.activeElement);
}

/** The page's own "first meaningful content" mark, in ms since navigation start (-1 if missing). */
export async function firstContentMark(page: Page): Promise<number> {
  return Number(await page.evaluate("performance.getEntriesByName('byok:first-content')[0]?.startTime ?? -1"));
}

/** The signed-in page's bearer token, as the page keeps it. */
export async function sessionToken(page: Page): Promise<string> {
  const raw = await page.evaluate("sessionStorage.getItem('byok.session')");
  const parsed: unknown = typeof raw === 'string' ? JSON.parse(raw) : null;
  if (typeof parsed !== 'object' || parsed === null || !('token' in parsed) || typeof parsed.token !== 'string') throw new Error('not signed in');
  return parsed.token;
}

/** Saves a key the way a script would (not through the form) and waits for its test to finish. */
export async function addKeyThroughApi(page: Page, origin: string, provider: string, apiKey: string): Promise<{ token: string }> {
  const token = await sessionToken(page);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const save = () => fetch(`${origin}/api/v1/llm/byok/keys`, { method: 'POST', headers, body: JSON.stringify({ provider, api_key: apiKey }) });
  let saved = await save();
  // Saves share the per-user key-test budget with the tests earlier steps ran: wait as told, once.
  if (saved.status === 429) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(60, Number(saved.headers.get('retry-after') ?? '1')) * 1000 + 100));
    saved = await save();
  }
  if (!saved.ok) throw new Error(`saving the ${provider} key answered ${saved.status}: ${await saved.text()}`);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const key = (await (await fetch(`${origin}/api/v1/llm/byok/keys/${provider}`, { headers })).json()) as { status: string };
    if (key.status !== 'testing') return { token };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${provider} key still testing`);
}

/** One non-streaming chat completion through the proxy, as an OpenAI client sends it. */
export function proxiedChat(origin: string, token: string, model: string): Promise<Response> {
  return fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello in five words.' }] }),
  });
}

/** Waits until the usage consumer has aggregated at least `calls` requests for the caller. */
export async function waitForUsage(origin: string, token: string, calls: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let seen = 0;
  while (Date.now() < deadline) {
    const res = await fetch(`${origin}/api/v1/llm/usage?group_by=day`, { headers: { authorization: `Bearer ${token}` } });
    seen = res.ok ? ((await res.json()) as { totals: { calls: number } }).totals.calls : seen;
    if (seen >= calls) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`usage shows ${seen} calls, expected ${calls}`);
}
