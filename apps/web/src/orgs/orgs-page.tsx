import { Link, useDocumentTitle, usePathname } from '../app/router.js';
import { EmptyState, ErrorNotice, Loading } from '../ui/feedback.js';
import { CreateOrgForm } from './create-org-form.js';
import { OrgPage } from './org-page.js';
import { ORGS_PATH, orgPath, parseOrgPath } from './org-paths.js';
import { useOrgs } from './orgs-context.js';
import { ROLE_LABELS } from './role-labels.js';

/** Everything under /account/orgs: your organizations and creating one, or one org's views. */
export function OrgsPage() {
  const at = parseOrgPath(usePathname());
  if (at?.kind === 'org') return <OrgPage id={at.id} tab={at.tab} />;
  if (at?.kind === 'list') return <OrgList create={at.create} />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no such organization view. <Link href={ORGS_PATH}>Your organizations</Link>
      </p>
    </section>
  );
}

function OrgList({ create }: { create: boolean }) {
  useDocumentTitle('Organizations');
  const { orgs, error, reload } = useOrgs();
  return (
    <section aria-labelledby="orgs-title">
      <div className="page-head">
        <div>
          <h1 id="orgs-title">Organizations</h1>
          <p className="muted">
            An organization shares provider keys with its members and shows who used them. Requests act for an organization with the header <code>x-byok-org</code> or a
            gateway token created for it.
          </p>
        </div>
      </div>
      {error ? <ErrorNotice message={error} onRetry={() => void reload()} /> : null}
      {!orgs && !error ? <Loading label="Loading your organizations…" /> : null}
      {orgs && orgs.length === 0 ? <EmptyState title="You are in no organization yet" /> : null}
      {orgs && orgs.length > 0 ? (
        <ul className="org-list">
          {orgs.map((org) => (
            <li key={org.id}>
              <Link href={orgPath(org.id)}>{org.name}</Link> <span className="badge">{ROLE_LABELS[org.role]}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <CreateOrgForm autoFocus={create} />
    </section>
  );
}
