// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../api/types.js';
import { OrgPage } from './org-page.js';
import type { OrgRole } from './org-types.js';
import { apiError, type FakeRequest, ME, orgView, renderWithApi } from './testing/org-api.fixture.js';

afterEach(cleanup);
beforeEach(() => history.replaceState(null, '', '/account/orgs/o1/activity'));

const AUDIT_PATH = '/api/v1/orgs/o1/audit';

function record(id: string, overrides: Partial<AuditRecord>): AuditRecord {
  return {
    id,
    occurred_at: '2026-12-07T03:00:00Z',
    actor_id: ME,
    actor_type: 'user',
    action: 'key.created',
    subject_user_id: 'org:o1',
    provider: 'groq',
    key_id: 'k1',
    request_id: null,
    details: {},
    ...overrides,
  };
}

const NEWER = [
  record('9', { details: { masked_key: 'gsk_****abcd', label: 'default' } }),
  record('8', { actor_id: 'u-bob', action: 'org.member_added', subject_user_id: 'u-dev', provider: null, key_id: null, details: { role: 'admin' } }),
];
const OLDER = [record('7', { actor_id: 'system', actor_type: 'system', action: 'key.tested', details: { status: 'valid', models_count: 3 } })];

const auditQuery = (r: FakeRequest) => new URL(r.path, 'http://page').searchParams;

/** The org list (Acme, in `role`) and its audit route in two pages: `cursor=c2` reads the older one. */
function orgApi(role: OrgRole, audit: (r: FakeRequest) => ReturnType<typeof apiError> | undefined = () => undefined) {
  return (r: FakeRequest) => {
    if (r.path === '/api/v1/orgs') return { status: 200, body: { orgs: [orgView({ role })] } };
    if (!r.path.startsWith(`${AUDIT_PATH}?`)) return undefined;
    const refused = audit(r);
    if (refused) return refused;
    if (auditQuery(r).get('format') === 'csv') return { status: 200, body: 'id,occurred_at\n' };
    const older = auditQuery(r).get('cursor') === 'c2';
    return { status: 200, body: older ? { items: OLDER, next_cursor: null } : { items: NEWER, next_cursor: 'c2' } };
  };
}

const items = () => screen.getAllByTestId('audit-item').map((li) => li.textContent);
const orgTabs = () => within(screen.getByRole('navigation', { name: 'Acme views' })).getAllByRole('link').map((a) => a.textContent);

describe('the organization’s activity', () => {
  it('shows an admin the org’s records with who acted, page by page, and narrows them by filter', async () => {
    const { requests } = renderWithApi(<OrgPage id="o1" tab="activity" />, orgApi('admin'));
    await waitFor(() => expect(screen.getAllByTestId('audit-item')).toHaveLength(2));
    expect(orgTabs()).toEqual(['Keys', 'Members', 'Usage', 'Activity', 'Settings']);
    expect(screen.getByRole('heading', { name: 'Activity of Acme' })).toBeTruthy();
    expect(items()).toEqual([expect.stringMatching(/^Added the Groq key \(gsk_\*\*\*\*abcd\)By You · /), expect.stringMatching(/^Added u-dev as an adminBy u-bob · /)]);

    fireEvent.click(screen.getByRole('button', { name: 'Show older' }));
    await waitFor(() => expect(screen.getAllByTestId('audit-item')).toHaveLength(3));
    expect(items()[2]).toMatch(/^Tested the Groq key: works, 3 modelsBy Automatic · /);
    expect(screen.queryByRole('button', { name: 'Show older' })).toBeNull();
    expect(requests.filter((r) => r.path.startsWith(AUDIT_PATH)).map((r) => auditQuery(r).get('cursor'))).toEqual([null, 'c2']);

    // A filter reads again from the newest record, without the old cursor.
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'key.created' } });
    await waitFor(() => expect(requests.filter((r) => r.path.startsWith(AUDIT_PATH))).toHaveLength(3));
    const filtered = auditQuery(requests.at(-1) as FakeRequest);
    expect([filtered.get('action'), filtered.get('cursor'), filtered.get('limit')]).toEqual(['key.created', null, '25']);
    await waitFor(() => expect(screen.getAllByTestId('audit-item')).toHaveLength(2));

    // The export holds every record the filters match: the same filters, a format, no page.
    fireEvent.click(screen.getByRole('button', { name: 'CSV export of the records' }));
    await waitFor(() => expect(requests.some((r) => auditQuery(r).get('format') === 'csv')).toBe(true));
    const exported = auditQuery(requests.find((r) => auditQuery(r).get('format') === 'csv') as FakeRequest);
    expect([exported.get('action'), exported.get('limit'), exported.get('cursor')]).toEqual(['key.created', null, null]);
  });

  it('hides the tab from a plain member and explains the view without asking the API', async () => {
    const { requests } = renderWithApi(<OrgPage id="o1" tab="activity" />, orgApi('member'));
    await screen.findByText(/Only the owners and admins of Acme can read its activity; your role is Member/);
    expect(orgTabs()).toEqual(['Keys', 'Members', 'Usage', 'Settings']);
    expect(requests.some((r) => r.path.startsWith(AUDIT_PATH))).toBe(false);
  });

  it('explains a 403 for a role changed since the list was read, and reads the list again', async () => {
    const { requests } = renderWithApi(
      <OrgPage id="o1" tab="activity" />,
      orgApi('admin', () => apiError(403, 'org_role_required', "Only the organization's owners and admins may do this")),
    );
    await screen.findByText(/the server says you are not one of them now/);
    await waitFor(() => expect(requests.filter((r) => r.path === '/api/v1/orgs')).toHaveLength(2));
    // The toasts' live region is an alert too; no error notice is.
    expect(document.querySelector('.notice-error')).toBeNull();
  });

  it('shows any other failure with the API’s message and a retry', async () => {
    let down = true;
    renderWithApi(<OrgPage id="o1" tab="activity" />, orgApi('owner', () => (down ? apiError(503, 'unavailable', 'The database is not reachable.') : undefined)));
    const alert = (await screen.findByText('The database is not reachable.')).closest<HTMLElement>('[role="alert"]');
    if (!alert) throw new Error('the failure is not in an alert');
    down = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.getAllByTestId('audit-item')).toHaveLength(2));
  });
});
