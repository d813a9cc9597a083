import { Link } from '../app/router.js';
import { ErrorNotice, Loading } from '../ui/feedback.js';
import { MembersPage } from './members-page.js';
import { OrgKeySummaryPage, OrgKeysPage } from './org-keys-page.js';
import { OrgActivityPage } from './org-activity-page.js';
import { ORGS_PATH, type OrgTab, orgPath, orgTabsFor } from './org-paths.js';
import { canManageOrg } from './can-manage-org.js';
import { OrgSettings } from './org-settings.js';
import type { OrgView } from './org-types.js';
import { OrgUsagePage } from './org-usage-page.js';
import { useOrgs } from './orgs-context.js';
import { ROLE_LABELS } from './role-labels.js';

const TAB_LABELS: Readonly<Record<OrgTab, string>> = { keys: 'Keys', members: 'Members', usage: 'Usage', activity: 'Activity', settings: 'Settings' };

/**
 * One organization: its name, your role, and its views. An org that is not in your list reads
 * "not found", whether it does not exist or you are not (or no longer) a member, as the API answers.
 */
export function OrgPage({ id, tab }: { id: string; tab: OrgTab }) {
  const { orgs, error, reload } = useOrgs();
  if (!orgs) return error ? <ErrorNotice message={error} onRetry={() => void reload()} /> : <Loading label="Loading the organization…" />;
  const org = orgs.find((o) => o.id === id);
  if (!org) {
    return (
      <section>
        <h1>Organization not found</h1>
        <p>
          It does not exist, or you are not a member of it. <Link href={ORGS_PATH}>Your organizations</Link>
        </p>
      </section>
    );
  }
  return (
    <>
      <div className="org-head">
        <p className="org-name">
          <strong data-testid="org-name">{org.name}</strong> <span className="badge">{ROLE_LABELS[org.role]}</span>
        </p>
        <nav aria-label={`${org.name} views`}>
          <ul className="tabs">
            {orgTabsFor(org.role).map((t) => (
              <li key={t}>
                <Link href={orgPath(org.id, t)} {...(t === tab ? { 'aria-current': 'page' as const } : {})}>
                  {TAB_LABELS[t]}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </div>
      <OrgTabView org={org} tab={tab} />
    </>
  );
}

function OrgTabView({ org, tab }: { org: OrgView; tab: OrgTab }) {
  // Keyed by org, so switching orgs starts each view afresh instead of showing the last org's rows.
  switch (tab) {
    case 'keys':
      return canManageOrg(org.role) ? <OrgKeysPage key={org.id} org={org} /> : <OrgKeySummaryPage key={org.id} org={org} />;
    case 'members':
      return <MembersPage key={org.id} org={org} />;
    case 'usage':
      return <OrgUsagePage key={org.id} org={org} />;
    case 'activity':
      return <OrgActivityPage key={org.id} org={org} />;
    case 'settings':
      return <OrgSettings key={org.id} org={org} />;
  }
}
