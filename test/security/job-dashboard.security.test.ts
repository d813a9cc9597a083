import { buildApi } from '@byok/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecurityHarness, type SecurityHarness } from './support/security-harness.js';

// Issue #12 (Low, "The job dashboard"): it relied only on SameSite=Strict of a non-HttpOnly
// 8-hour cookie. Now: a server-set HttpOnly cookie (Secure over https), an Origin check on
// state-changing requests made with it, the page's security headers, fonts served locally; and
// (#20.9) a browser without a session gets a sign-in hint page instead of raw 401 JSON.

let h: SecurityHarness;
let admin: Record<string, string>;
let session: string;
beforeAll(async () => {
  h = await startSecurityHarness('job_dashboard');
  admin = await h.bearer('dashboard-admin', { admin: true });
  const res = await h.app.inject({ method: 'POST', url: '/admin/queues/session', headers: admin });
  session = String(res.headers['set-cookie']).split(';')[0] ?? '';
});
afterAll(() => h?.close());

const PAUSE = { method: 'PUT', url: '/admin/queues/api/queues/key-tests/pause' } as const;
const RESUME = { method: 'PUT', url: '/admin/queues/api/queues/key-tests/resume' } as const;

describe('the dashboard session cookie', () => {
  it('is set by the server, HttpOnly, SameSite=Strict, scoped to the dashboard, for an admin bearer only', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/admin/queues/session', headers: admin });
    expect(res.statusCode).toBe(204);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^byok_dashboard=[^;]+; Path=\/admin\/queues; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(Number(/Max-Age=(\d+)/.exec(cookie)?.[1])).toBeLessThanOrEqual(8 * 3600);
    expect((await h.app.inject({ method: 'POST', url: '/admin/queues/session', headers: await h.bearer('plain-user') })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'POST', url: '/admin/queues/session' })).statusCode).toBe(401);
  });

  it('is Secure when the service is reached over https', async () => {
    const app = await buildApi({ ...h.api.runtime, config: { ...h.api.config, publicUrl: 'https://gateway.example' } });
    try {
      const res = await app.inject({ method: 'POST', url: '/admin/queues/session', headers: admin });
      expect(String(res.headers['set-cookie'])).toMatch(/; Secure$/);
    } finally {
      await app.close();
    }
  });

  it('opens the dashboard, and is cleared by DELETE', async () => {
    expect((await h.app.inject({ url: '/admin/queues/api/queues', headers: { cookie: session } })).statusCode).toBe(200);
    const cleared = await h.app.inject({ method: 'DELETE', url: '/admin/queues/session' });
    expect(String(cleared.headers['set-cookie'])).toMatch(/^byok_dashboard=; Path=\/admin\/queues; HttpOnly; SameSite=Strict; Max-Age=0/);
  });

  it('replaces the script-readable byok_token cookie, which the dashboard no longer reads', async () => {
    const token = admin.authorization?.slice('Bearer '.length) ?? '';
    expect((await h.app.inject({ url: '/admin/queues/api/queues', headers: { cookie: `byok_token=${token}` } })).statusCode).toBe(401);
  });
});

describe('state-changing dashboard requests made with the cookie', () => {
  it('are refused without an Origin or from another site', async () => {
    for (const origin of [undefined, 'https://evil.example', 'null', 'http://127.0.0.1:1']) {
      const res = await h.app.inject({ ...PAUSE, headers: { cookie: session, ...(origin === undefined ? {} : { origin }) } });
      expect(res.statusCode, String(origin)).toBe(403);
      expect(res.json<{ error: { code: string; message: string } }>().error.message).toMatch(/Origin/);
    }
    expect(await h.api.runtime.producers.keyTests.queue.isPaused()).toBe(false);
  });

  it('are accepted from the service\'s own origin', async () => {
    const origin = new URL(h.api.config.publicUrl).origin;
    expect((await h.app.inject({ ...PAUSE, headers: { cookie: session, origin } })).statusCode).toBeLessThan(300);
    expect(await h.api.runtime.producers.keyTests.queue.isPaused()).toBe(true);
    expect((await h.app.inject({ ...RESUME, headers: { cookie: session, origin } })).statusCode).toBeLessThan(300);
    expect(await h.api.runtime.producers.keyTests.queue.isPaused()).toBe(false);
  });

  it('need no Origin with a bearer header (no ambient credential, nothing to forge)', async () => {
    expect((await h.app.inject({ ...PAUSE, headers: admin })).statusCode).toBeLessThan(300);
    expect((await h.app.inject({ ...RESUME, headers: admin })).statusCode).toBeLessThan(300);
  });
});

describe('the dashboard page', () => {
  it("carries the page's security headers and loads its fonts from this service only", async () => {
    const res = await h.app.inject({ url: '/admin/queues', headers: { cookie: session } });
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("font-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).not.toMatch(/googleapis|gstatic/);
    const fontLinks = [...res.body.matchAll(/href="(\/admin\/queues\/fonts\/[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(fontLinks.length).toBe(5);
    for (const href of fontLinks) {
      const css = await h.app.inject({ url: href, headers: { cookie: session } });
      expect(css.statusCode, href).toBe(200);
      const file = /url\(\.\/(files\/[^)]+\.woff2)\)/.exec(css.body)?.[1];
      const font = await h.app.inject({ url: href.replace(/[^/]+$/, file ?? 'missing'), headers: { cookie: session } });
      expect(font.statusCode, file).toBe(200);
      expect(font.headers['content-type']).toMatch(/font\/woff2/);
    }
  });

  it('without a session, shows a browser a sign-in hint page (401 HTML), not raw JSON', async () => {
    const res = await h.app.inject({ url: '/admin/queues', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('Sign in on the <a href="/account">web page</a>');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const script = /<script src="([^"]+)"><\/script>/.exec(res.body)?.[1] ?? '';
    const js = await h.app.inject({ url: script });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).toContain("fetch('/admin/queues/session'");
  });

  it('still answers API clients without a session in the JSON error shape', async () => {
    const res = await h.app.inject({ url: '/admin/queues' });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('missing_credentials');
  });
});
