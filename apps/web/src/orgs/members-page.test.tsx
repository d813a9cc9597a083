// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MembersPage } from './members-page.js';
import type { OrgMember, OrgRole } from './org-types.js';
import { apiError, type FakeAnswer, type FakeRequest, ME, orgMember, orgView, renderWithApi } from './testing/org-api.fixture.js';

afterEach(cleanup);

const MEMBERS_PATH = '/api/v1/orgs/o1/members';

/** The members routes over a list; `refuse` answers a request first when it matches (the server's refusals). */
function membersApi(initial: OrgMember[], refuse: (r: FakeRequest) => FakeAnswer | undefined = () => undefined) {
  let members = [...initial];
  return (r: FakeRequest): FakeAnswer | undefined => {
    const refused = refuse(r);
    if (refused) return refused;
    if (r.path === '/api/v1/orgs') return { status: 200, body: { orgs: [] } };
    if (r.method === 'GET' && r.path === MEMBERS_PATH) return { status: 200, body: { members } };
    if (r.method === 'POST' && r.path === MEMBERS_PATH) {
      const body = r.body as { user_id: string; role: OrgRole };
      const added = orgMember(body.user_id, body.role);
      members = [...members, added];
      return { status: 201, body: added };
    }
    const userId = decodeURIComponent(r.path.slice(MEMBERS_PATH.length + 1));
    if (r.method === 'PATCH') {
      members = members.map((m) => (m.user_id === userId ? { ...m, role: (r.body as { role: OrgRole }).role } : m));
      return { status: 200, body: members.find((m) => m.user_id === userId) };
    }
    if (r.method === 'DELETE') {
      members = members.filter((m) => m.user_id !== userId);
      return { status: 204 };
    }
    return undefined;
  };
}

const row = (userId: string) => {
  const found = document.querySelector<HTMLElement>(`tr[data-user-id="${userId}"]`);
  if (!found) throw new Error(`no row for ${userId}`);
  return found;
};
/** The page's own alert in `container` (the toasts' live region is an alert too). */
const alertIn = (container: HTMLElement) => within(container).getByRole('alert');
const roleOptions = (select: HTMLElement) => [...(select as HTMLSelectElement).options].map((o) => o.value);

describe('MembersPage', () => {
  it('lets an admin manage admins and members but never owners, nor grant owner', async () => {
    renderWithApi(<MembersPage org={orgView({ role: 'admin' })} />, membersApi([orgMember('u-owner', 'owner'), orgMember(ME, 'admin'), orgMember('u-dev', 'member', { source: 'claim' })]));
    await waitFor(() => expect(screen.getByRole('table')).toBeTruthy());
    expect(within(row('u-owner')).queryByRole('combobox')).toBeNull();
    expect(within(row('u-owner')).queryByRole('button')).toBeNull();
    expect(within(row('u-owner')).getByText('Owner')).toBeTruthy();
    expect(roleOptions(screen.getByRole('combobox', { name: 'Role of u-dev' }))).toEqual(['admin', 'member']);
    expect(within(row('u-dev')).getByRole('button', { name: 'Remove u-dev' })).toBeTruthy();
    expect(within(row('u-dev')).getByText('From sign-in')).toBeTruthy();
    expect(within(row(ME)).getByRole('button', { name: 'Leave the organization' })).toBeTruthy();
    expect(roleOptions(screen.getByRole('combobox', { name: 'Role' }))).toEqual(['admin', 'member']);
  });

  it('shows a plain member the list and Leave only', async () => {
    renderWithApi(<MembersPage org={orgView({ role: 'member' })} />, membersApi([orgMember('u-owner', 'owner'), orgMember(ME, 'member')]));
    await waitFor(() => expect(screen.getByRole('table')).toBeTruthy());
    expect(screen.queryAllByRole('combobox')).toHaveLength(0);
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Leave the organization']);
    expect(screen.queryByRole('heading', { name: 'Add a member' })).toBeNull();
  });

  it('adds a member with a role, lists them and keeps focus in the cleared field', async () => {
    const { requests } = renderWithApi(<MembersPage org={orgView({ role: 'owner' })} />, membersApi([orgMember(ME, 'owner')]));
    const userId = (await screen.findByLabelText('User id')) as HTMLInputElement;
    expect(roleOptions(screen.getByRole('combobox', { name: 'Role' }))).toEqual(['owner', 'admin', 'member']);
    fireEvent.change(userId, { target: { value: '  u-new  ' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Role' }), { target: { value: 'admin' } });
    await act(async () => fireEvent.submit(userId.form as HTMLFormElement));
    await waitFor(() => expect(row('u-new')).toBeTruthy());
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ user_id: 'u-new', role: 'admin' });
    expect(userId.value).toBe('');
    expect(document.activeElement).toBe(userId);
  });

  it('refuses org: ids, NUL and lone surrogates without asking the server, and shows the server’s own refusal', async () => {
    const { requests } = renderWithApi(
      <MembersPage org={orgView({ role: 'owner' })} />,
      membersApi([orgMember(ME, 'owner')], (r) => (r.method === 'POST' ? apiError(400, 'validation_error', 'body/user_id must be at most 255 characters') : undefined)),
    );
    const userId = (await screen.findByLabelText('User id')) as HTMLInputElement;
    for (const [typed, says] of [
      ['org:1234', 'name organizations'],
      ['u\u0000x', 'cannot have'],
      ['u\uD800x', 'cannot have'],
      ['   ', 'Enter the user id'],
    ] as const) {
      fireEvent.change(userId, { target: { value: typed } });
      await act(async () => fireEvent.submit(userId.form as HTMLFormElement));
      expect(alertIn(userId.form as HTMLFormElement).textContent).toContain(says);
      expect(userId.getAttribute('aria-invalid')).toBe('true');
    }
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0);

    fireEvent.change(userId, { target: { value: 'u-x' } });
    await act(async () => fireEvent.submit(userId.form as HTMLFormElement));
    await waitFor(() => expect(alertIn(userId.form as HTMLFormElement).textContent).toBe('body/user_id must be at most 255 characters'));
    expect(userId.value).toBe('u-x');
  });

  it('changes a role only when saved, with one PATCH, and keeps focus in the row', async () => {
    const { requests } = renderWithApi(<MembersPage org={orgView({ role: 'owner' })} />, membersApi([orgMember(ME, 'owner'), orgMember('u-dev', 'member')]));
    const select = (await screen.findByRole('combobox', { name: 'Role of u-dev' })) as HTMLSelectElement;
    // Passing through roles (arrow keys on a closed select) sends nothing.
    fireEvent.change(select, { target: { value: 'owner' } });
    fireEvent.change(select, { target: { value: 'admin' } });
    expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
    const save = await screen.findByRole('button', { name: 'Save role of u-dev' });
    save.focus();
    await act(async () => fireEvent.click(save));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Save role of u-dev' })).toBeNull());
    expect(requests.filter((r) => r.method === 'PATCH')).toEqual([{ method: 'PATCH', path: `${MEMBERS_PATH}/u-dev`, body: { role: 'admin' } }]);
    expect(screen.getByRole('status').textContent).toContain('u-dev is now admin.');
    expect((screen.getByRole('combobox', { name: 'Role of u-dev' }) as HTMLSelectElement).value).toBe('admin');
    expect(document.activeElement).toBe(screen.getByRole('combobox', { name: 'Role of u-dev' }));
  });

  it('shows the refusal to demote the last owner in their row and keeps the chosen role to retry', async () => {
    renderWithApi(
      <MembersPage org={orgView({ role: 'owner' })} />,
      membersApi([orgMember(ME, 'owner')], (r) => (r.method === 'PATCH' ? apiError(409, 'last_owner', 'An organization keeps at least one owner.') : undefined)),
    );
    const select = (await screen.findByRole('combobox', { name: `Role of ${ME}` })) as HTMLSelectElement;
    fireEvent.change(select, { target: { value: 'member' } });
    const save = await screen.findByRole('button', { name: `Save role of ${ME}` });
    save.focus();
    await act(async () => fireEvent.click(save));
    await waitFor(() => expect(alertIn(row(ME).nextElementSibling as HTMLElement).textContent).toBe('An organization keeps at least one owner.'));
    expect(select.value).toBe('member');
    expect(document.activeElement).toBe(save);
  });

  it('removes a member and moves focus to the list heading', async () => {
    const { requests } = renderWithApi(<MembersPage org={orgView({ role: 'owner' })} />, membersApi([orgMember(ME, 'owner'), orgMember('u/odd id', 'member')]));
    const remove = await screen.findByRole('button', { name: 'Remove u/odd id' });
    await act(async () => fireEvent.click(remove));
    await waitFor(() => expect(document.querySelector('tr[data-user-id="u/odd id"]')).toBeNull());
    expect(requests.find((r) => r.method === 'DELETE')?.path).toBe(`${MEMBERS_PATH}/u%2Fodd%20id`);
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Members of Acme' }));
  });

  it('shows the last owner’s refusal to leave in their row, and keeps focus on Leave', async () => {
    renderWithApi(
      <MembersPage org={orgView({ role: 'owner' })} />,
      membersApi([orgMember(ME, 'owner'), orgMember('u-dev', 'member')], (r) =>
        r.method === 'DELETE' ? apiError(409, 'last_owner', 'The last owner cannot leave; make another member owner first.') : undefined,
      ),
    );
    const leave = await screen.findByRole('button', { name: 'Leave the organization' });
    leave.focus();
    fireEvent.click(leave);
    const dialog = screen.getByRole('dialog', { name: 'Leave Acme?' });
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Leave Acme' })));
    // The message sits right under the owner's own row and describes its buttons.
    const underRow = () => row(ME).nextElementSibling as HTMLElement;
    await waitFor(() => expect(alertIn(underRow()).textContent).toBe('The last owner cannot leave; make another member owner first.'));
    const message = alertIn(underRow());
    const leaveAgain = within(row(ME)).getByRole('button', { name: 'Leave the organization' });
    expect(leaveAgain.getAttribute('aria-describedby')).toBe(message.id);
    expect(document.activeElement).toBe(leaveAgain);
    expect(row(ME)).toBeTruthy();
  });
});
