import { configure, render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { byokApi } from '../../api/byok-api.js';
import { createApiClient } from '../../api/http.js';
import { AppContext } from '../../app/app-context.js';
import { ToastProvider } from '../../ui/toasts.js';
import type { OrgMember, OrgView } from '../org-types.js';
import { OrgsProvider } from '../orgs-context.js';

// The machine running the tests is shared and often busy: a first render can take over the
// default 1 s that findBy/waitFor wait, which says nothing about the page.
configure({ asyncUtilTimeout: 5000 });

export interface FakeRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
}

/** Answers a request, or undefined for "no such route" (404, as an API without it would say). */
export type FakeApi = (request: FakeRequest) => FakeAnswer | undefined;

export const ME = 'u-me';

/** An org as `GET /api/v1/orgs` lists it, for component tests; overrides change a field or more. */
export function orgView(overrides: Partial<OrgView> = {}): OrgView {
  return { id: 'o1', name: 'Acme', role: 'owner', member_keys: 'prefer', platform_fallback: 'allow', created_at: '2026-12-06T18:00:00Z', ...overrides };
}

export function orgMember(userId: string, role: OrgMember['role'], overrides: Partial<OrgMember> = {}): OrgMember {
  return { user_id: userId, role, source: 'api', added_by: ME, created_at: '2026-12-06T18:00:00Z', ...overrides };
}

export const apiError = (status: number, code: string, message: string): FakeAnswer => ({ status, body: { error: { code, message } } });

/**
 * Renders a signed-in view (as user `ME`) over the page's real API client, whose fetch asks
 * `api` for each answer; every request is recorded in order.
 */
export function renderWithApi(ui: ReactNode, api: FakeApi) {
  const requests: FakeRequest[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = { method: init?.method ?? 'GET', path: String(input), body: typeof init?.body === 'string' ? JSON.parse(init.body) : null };
    requests.push(request);
    const answer = api(request) ?? apiError(404, 'not_found', `Route ${request.method}:${request.path} not found`);
    return new Response(answer.status === 204 ? null : JSON.stringify(answer.body ?? null), { status: answer.status, headers: { 'content-type': 'application/json' } });
  };
  const client = createApiClient({ token: 'test-token', onUnauthorized: () => undefined, fetchImpl });
  const session = { token: 'test-token', expiresAtMs: null, userId: ME, admin: false };
  const result = render(
    <AppContext.Provider value={{ api: byokApi(client), client, session, signOut: () => undefined }}>
      <ToastProvider>
        <OrgsProvider>{ui}</OrgsProvider>
      </ToastProvider>
    </AppContext.Provider>,
  );
  return { requests, ...result };
}
