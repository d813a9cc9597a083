// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { navigate } from '../app/router.js';
import { rememberedOrg, rememberOrg } from './org-paths.js';
import { OrgSwitcher } from './org-switcher.js';
import { apiError, orgView, renderWithApi } from './testing/org-api.fixture.js';

afterEach(cleanup);
beforeEach(() => {
  sessionStorage.clear();
  history.replaceState(null, '', '/account/api-keys');
});

const ACME = orgView({ id: 'o1', name: 'Acme', role: 'owner' });
const GLOBEX = orgView({ id: 'o2', name: 'Globex', role: 'member' });
const listing = () => renderWithApi(<OrgSwitcher />, (r) => (r.method === 'GET' && r.path === '/api/v1/orgs' ? { status: 200, body: { orgs: [ACME, GLOBEX] } } : undefined));
const switcher = () => screen.getByRole('combobox', { name: 'Acting as' }) as HTMLSelectElement;
const optionTexts = () => [...switcher().options].map((o) => o.textContent);

describe('OrgSwitcher', () => {
  it('offers the personal account and each of your orgs with your role', async () => {
    listing();
    await waitFor(() => expect(optionTexts()).toEqual(['Personal account', 'Acme (Owner)', 'Globex (Member)']));
    expect(switcher().value).toBe('');
    expect(screen.getByRole('link', { name: 'Create organization' }).getAttribute('href')).toBe('/account/orgs/new');
  });

  it('opens the chosen org, keeps the view when switching between orgs, and remembers the choice for the session', async () => {
    listing();
    await waitFor(() => expect(optionTexts()).toHaveLength(3));
    fireEvent.change(switcher(), { target: { value: 'o1' } });
    expect(location.pathname).toBe('/account/orgs/o1/keys');
    await waitFor(() => expect(switcher().value).toBe('o1'));
    await waitFor(() => expect(rememberedOrg()).toBe('o1'));

    act(() => navigate('/account/orgs/o1/members'));
    fireEvent.change(switcher(), { target: { value: 'o2' } });
    expect(location.pathname).toBe('/account/orgs/o2/members');
    await waitFor(() => expect(rememberedOrg()).toBe('o2'));

    // The activity view is not a member's: switching to an org you are a member of opens its keys.
    act(() => navigate('/account/orgs/o1/activity'));
    fireEvent.change(switcher(), { target: { value: 'o2' } });
    expect(location.pathname).toBe('/account/orgs/o2/keys');

    fireEvent.change(switcher(), { target: { value: '' } });
    expect(location.pathname).toBe('/account/api-keys');
    expect(rememberedOrg()).toBeNull();
  });

  it('returns to the remembered org from the landing path', async () => {
    rememberOrg('o2');
    history.replaceState(null, '', '/');
    listing();
    await waitFor(() => expect(location.pathname).toBe('/account/orgs/o2/keys'));
    await waitFor(() => expect(switcher().value).toBe('o2'));
  });

  it('forgets a remembered org you no longer belong to, and stays where you are', async () => {
    rememberOrg('o-gone');
    history.replaceState(null, '', '/');
    listing();
    await waitFor(() => expect(optionTexts()).toHaveLength(3));
    // The forgetting runs in a passive effect after the list renders; React may flush it a tick later.
    await waitFor(() => expect(rememberedOrg()).toBeNull());
    expect(location.pathname).toBe('/');
  });

  it('keeps to the personal account when the org list cannot be read', async () => {
    const { requests } = renderWithApi(<OrgSwitcher />, () => apiError(503, 'unavailable', 'The database is not reachable.'));
    await waitFor(() => expect(requests).toHaveLength(1));
    expect(optionTexts()).toEqual(['Personal account']);
  });
});
