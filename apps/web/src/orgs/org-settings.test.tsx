// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrgPage } from './org-page.js';
import type { OrgRole } from './org-types.js';
import { apiError, type FakeAnswer, type FakeRequest, orgView, renderWithApi } from './testing/org-api.fixture.js';

afterEach(cleanup);
beforeEach(() => history.replaceState(null, '', '/account/orgs/o1/settings'));

function settingsApi(role: OrgRole, patch: (r: FakeRequest) => FakeAnswer = (r) => ({ status: 200, body: orgView({ role, ...(r.body as object) }) })) {
  return (r: FakeRequest): FakeAnswer | undefined => {
    if (r.method === 'GET' && r.path === '/api/v1/orgs') return { status: 200, body: { orgs: [orgView({ role })] } };
    if (r.method === 'PATCH' && r.path === '/api/v1/orgs/o1') return patch(r);
    if (r.method === 'DELETE' && r.path === '/api/v1/orgs/o1') return { status: 204 };
    return undefined;
  };
}

const radio = (name: string) => screen.getByRole('radio', { name: new RegExp(`^${name}`) }) as HTMLInputElement;

describe('OrgSettings', () => {
  it('explains each policy and sends only what changed', async () => {
    const { requests } = renderWithApi(<OrgPage id="o1" tab="settings" />, settingsApi('admin'));
    await screen.findByRole('heading', { name: 'Settings', level: 1 });
    expect(radio('Members’ keys first').checked).toBe(true);
    expect(radio('Organization’s keys only').getAttribute('aria-describedby')).toBeTruthy();
    expect(screen.getByText('Only the organization’s keys are used, never a member’s own (for compliance).')).toBeTruthy();

    fireEvent.click(radio('Organization’s keys only'));
    fireEvent.change(screen.getByLabelText('Organization name'), { target: { value: ' Acme Labs ' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' })));
    await waitFor(() => expect(screen.getByTestId('org-name').textContent).toBe('Acme Labs'));
    expect(requests.filter((r) => r.method === 'PATCH').map((r) => r.body)).toEqual([{ name: 'Acme Labs', member_keys: 'forbid' }]);
    expect(radio('Organization’s keys only').checked).toBe(true);
    // Admins change settings; only owners delete.
    expect(screen.queryByRole('button', { name: /^Delete/ })).toBeNull();
  });

  it('shows the server’s refusal beside the form and keeps the draft', async () => {
    renderWithApi(<OrgPage id="o1" tab="settings" />, settingsApi('owner', () => apiError(409, 'name_taken', 'An organization named “Globex” exists already.')));
    const name = (await screen.findByLabelText('Organization name')) as HTMLInputElement;
    fireEvent.change(name, { target: { value: 'Globex' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' })));
    const form = name.form as HTMLFormElement;
    await waitFor(() => expect(within(form).getByRole('alert').textContent).toBe('An organization named “Globex” exists already.'));
    expect(name.value).toBe('Globex');
    expect(name.getAttribute('aria-invalid')).toBe('true');
  });

  it('shows a member the settings without letting them change anything', async () => {
    renderWithApi(<OrgPage id="o1" tab="settings" />, settingsApi('member'));
    await screen.findByText('Only owners and admins change these.');
    // One disabled fieldset around every field (browsers disable what it holds; happy-dom does not compute that).
    const fields = screen.getByLabelText('Organization name').closest('form')?.querySelector('fieldset');
    expect(fields?.disabled).toBe(true);
    expect(fields?.contains(radio('Members’ keys first'))).toBe(true);
    expect(fields?.contains(radio('Never use platform credits'))).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save settings' })).toBeNull();
  });

  it('lets an owner delete the org after confirming, then shows their orgs', async () => {
    const { requests } = renderWithApi(<OrgPage id="o1" tab="settings" />, settingsApi('owner'));
    fireEvent.click(await screen.findByRole('button', { name: 'Delete Acme' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete Acme?' });
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Delete organization' })));
    await waitFor(() => expect(location.pathname).toBe('/account/orgs'));
    expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/v1/orgs/o1']);
  });
});
