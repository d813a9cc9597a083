// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { byokApi } from '../api/byok-api.js';
import { createApiClient } from '../api/http.js';
import { AppContext } from '../app/app-context.js';
import { ToastProvider } from '../ui/toasts.js';
import { FallbackSetting } from './fallback-setting.js';

afterEach(cleanup);

type Answer = { status: number; body: unknown };

/** The setting over the page's real API client, with the server's answers scripted per request. */
function setup(answers: Answer[]) {
  const requests: Array<{ method: string; url: string; body: unknown }> = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push({ method: init?.method ?? 'GET', url: String(input), body: typeof init?.body === 'string' ? JSON.parse(init.body) : null });
    const answer = answers.shift() ?? { status: 500, body: { error: { code: 'internal', message: 'no scripted answer' } } };
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  };
  const client = createApiClient({ token: 'test-token', onUnauthorized: () => undefined, fetchImpl });
  const session = { token: 'test-token', expiresAtMs: null, userId: 'u1', admin: false };
  render(
    <AppContext.Provider value={{ api: byokApi(client), client, session, signOut: () => undefined }}>
      <ToastProvider>
        <FallbackSetting />
      </ToastProvider>
    </AppContext.Provider>,
  );
  return { requests, switchEl: () => screen.getByRole('switch', { name: 'Never use platform credits' }) };
}

describe('FallbackSetting', () => {
  it("shows the server's value and saves a change with PUT /settings", async () => {
    const { requests, switchEl } = setup([
      { status: 200, body: { platform_fallback: 'allow' } },
      { status: 200, body: { platform_fallback: 'never' } },
    ]);
    await waitFor(() => expect(switchEl().getAttribute('aria-checked')).toBe('false'));
    fireEvent.click(switchEl());
    await waitFor(() => expect(switchEl().getAttribute('aria-checked')).toBe('true'));
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /api/v1/llm/byok/settings', 'PUT /api/v1/llm/byok/settings']);
    expect(requests[1]?.body).toEqual({ platform_fallback: 'never' });
    expect(screen.getByRole('status').textContent).toContain('Platform credits will never be used.');
  });

  it('keeps the old value and says why when the change fails', async () => {
    const { switchEl } = setup([
      { status: 200, body: { platform_fallback: 'never' } },
      { status: 400, body: { error: { code: 'validation_error', message: 'platform_fallback must be "allow" or "never".' } } },
    ]);
    await waitFor(() => expect(switchEl().getAttribute('aria-checked')).toBe('true'));
    fireEvent.click(switchEl());
    await waitFor(() => expect(screen.getAllByRole('alert').map((a) => a.textContent).join(' ')).toContain('platform_fallback must be "allow" or "never".'));
    expect(switchEl().getAttribute('aria-checked')).toBe('true');
  });

  it('says when the setting cannot be read, and reads it again on request', async () => {
    setup([
      { status: 503, body: { error: { code: 'unavailable', message: 'The database is not reachable.' } } },
      { status: 200, body: { platform_fallback: 'allow' } },
    ]);
    await waitFor(() => expect(screen.getByText(/The database is not reachable\./)).toBeTruthy());
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.getByRole('switch', { name: 'Never use platform credits' }).getAttribute('aria-checked')).toBe('false'));
  });
});
