import { useEffect, useMemo } from 'react';
import { ApiError } from '../api/http.js';
import { useDocumentTitle } from '../app/router.js';
import { type AuditSource, AuditTrail } from '../audit/audit-trail.js';
import { canManageOrg } from './can-manage-org.js';
import type { OrgView } from './org-types.js';
import { useOrgs } from './orgs-context.js';
import { ROLE_LABELS } from './role-labels.js';

/**
 * The organization's audit trail (owners and admins): every change made for it — its keys, their
 * tests, members, settings, tokens and budgets — with who made it. A member is told it is not
 * theirs to read instead of being sent a 403.
 */
export function OrgActivityPage({ org }: { org: OrgView }) {
  useDocumentTitle(`${org.name} activity`);
  const { api } = useOrgs();
  const source = useMemo<AuditSource>(
    () => ({ page: (filter, cursor) => api.audit(org.id, filter, cursor), exportPath: (filter, format) => api.auditExportPath(org.id, filter, format) }),
    [api, org.id],
  );
  return (
    <section aria-labelledby="org-activity-title">
      <div className="page-head">
        <div>
          <h1 id="org-activity-title">Activity of {org.name}</h1>
          <p className="muted">
            Every change made for {org.name}: its keys and their tests, members, settings and tokens, with who made it. Records never contain key material and stay after a
            key is deleted.
          </p>
        </div>
      </div>
      {canManageOrg(org.role) ? (
        <AuditTrail
          source={source}
          emptyHint={`Add a key for ${org.name} or a member, and its record shows up here.`}
          refusal={(error) => (isRoleRefusal(error) ? <RoleRequired org={org} refreshRole /> : null)}
        />
      ) : (
        <RoleRequired org={org} refreshRole={false} />
      )}
    </section>
  );
}

function isRoleRefusal(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403 && error.code === 'org_role_required';
}

/**
 * Why the trail is not shown. When the server refused a role the page thought sufficient (the
 * role changed since the org list was read), the list is read again, so the tabs and the badge
 * say the role the server knows.
 */
function RoleRequired({ org, refreshRole }: { org: OrgView; refreshRole: boolean }) {
  const { reload } = useOrgs();
  useEffect(() => {
    if (refreshRole) void reload();
  }, [refreshRole, reload]);
  return (
    <div className="notice notice-info" role="status">
      <p>
        Only the owners and admins of {org.name} can read its activity{refreshRole ? ', and the server says you are not one of them now' : `; your role is ${ROLE_LABELS[org.role]}`}.
        Ask an owner if you need a record.
      </p>
    </div>
  );
}
