// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayToken } from '../api/types.js';
import { apiError, type FakeAnswer, type FakeRequest, orgView, renderWithApi } from '../orgs/testing/org-api.fixture.js';
import { TokensPage } from './tokens-page.js';

afterEach(cleanup);

const TOKENS = '/api/v1/llm/tokens';
const ACME = orgView({ id: 'o1', name: 'Acme', role: 'member' });

function token(id: string, name: string, orgId: string | null): GatewayToken {
  return { id, name, org_id: orgId, prefix: `byok_${id}`, created_at: '2026-12-07T03:00:00Z', last_used_at: null, expires_at: null, revoked_at: null };
}

/** The org list (Acme by default) and the token routes over a list; `refuse` answers a creation first when it matches. */
function tokensApi(initial: GatewayToken[], refuse: (r: FakeRequest) => FakeAnswer | undefined = () => undefined, orgs = [ACME]) {
  let tokens = [...initial];
  return (r: FakeRequest): FakeAnswer | undefined => {
    if (r.path === '/api/v1/orgs') return { status: 200, body: { orgs } };
    if (r.path !== TOKENS) return undefined;
    if (r.method === 'GET') return { status: 200, body: { tokens } };
    const refused = refuse(r);
    if (refused) return refused;
    const body = r.body as { name: string; org_id?: string };
    const created = token(`t${tokens.length + 1}`, body.name, body.org_id ?? null);
    tokens = [created, ...tokens];
    return { status: 201, body: { ...created, token: 'byok_fake_token_for_tests' } };
  };
}

const actsFor = () => screen.getAllByTestId('token-acts-for').map((td) => td.textContent);
const LEFT = 'An organization you are no longer inIts requests get 404 while you are not a member.';
const errorNotice = () => document.querySelector('form .notice-error')?.textContent;

describe('TokensPage', () => {
  it('creates a token that acts for an org, lists each token’s org by name, and says so in the snippet', async () => {
    const { requests } = renderWithApi(<TokensPage />, tokensApi([token('t0', 'laptop', null), token('tx', 'old job', 'o-left')]));
    await waitFor(() => expect(actsFor()).toEqual(['You (personal)', LEFT]));
    expect(screen.queryByTestId('snippet-acts-for')).toBeNull();

    const actsForSelect = (await screen.findByLabelText('Acts for')) as HTMLSelectElement;
    await waitFor(() => expect([...actsForSelect.options].map((o) => o.textContent)).toEqual(['You (personal)', 'Acme']));
    fireEvent.change(screen.getByLabelText('Token name'), { target: { value: 'ci' } });
    fireEvent.change(actsForSelect, { target: { value: 'o1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }));

    await screen.findByTestId('new-token');
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ name: 'ci', org_id: 'o1' });
    expect(screen.getByText(/Copy your new token “ci” for Acme now/)).toBeTruthy();
    expect(screen.getByTestId('snippet-acts-for').textContent).toContain('This token acts for the organization “Acme”.');
    expect(document.querySelector('pre code')?.textContent).toContain('# This token acts for the organization “Acme”.');
    await waitFor(() => expect(actsFor()).toEqual(['Acme', 'You (personal)', LEFT]));
  });

  it('sends no org for a personal token, and offers no choice to a user in no organization', async () => {
    const { requests } = renderWithApi(<TokensPage />, tokensApi([], () => undefined, []));
    await screen.findByRole('heading', { name: 'No tokens yet' });
    await waitFor(() => expect(requests.some((r) => r.path === '/api/v1/orgs')).toBe(true));
    expect(screen.queryByLabelText('Acts for')).toBeNull();
    fireEvent.change(screen.getByLabelText('Token name'), { target: { value: 'laptop' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }));
    await screen.findByTestId('new-token');
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ name: 'laptop' });
    expect(screen.queryByTestId('snippet-acts-for')).toBeNull();
  });

  it.each([
    [404, 'org_not_found', 'Organization not found, or you are not a member of it'],
    [409, 'conflict', 'You already have 50 active gateway tokens, the most allowed; revoke one you no longer use first'],
  ])('shows a %i refusal with its message and keeps the name and the org chosen', async (status, code, message) => {
    renderWithApi(<TokensPage />, tokensApi([], () => apiError(status, code, message)));
    const actsForSelect = (await screen.findByLabelText('Acts for')) as HTMLSelectElement;
    await waitFor(() => expect(actsForSelect.options).toHaveLength(2));
    fireEvent.change(screen.getByLabelText('Token name'), { target: { value: 'ci' } });
    fireEvent.change(actsForSelect, { target: { value: 'o1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }));
    await waitFor(() => expect(errorNotice()).toBe(message));
    expect((screen.getByLabelText('Token name') as HTMLInputElement).value).toBe('ci');
    expect(actsForSelect.value).toBe('o1');
    expect(screen.queryByTestId('new-token')).toBeNull();
  });
});
