import { useEffect, useId } from 'react';
import { Link, navigate, usePathname } from '../app/router.js';
import { NEW_ORG_PATH, orgPath, orgTabsFor, parseOrgPath, rememberedOrg, rememberOrg } from './org-paths.js';
import { useOrgs } from './orgs-context.js';
import { ROLE_LABELS } from './role-labels.js';

const PERSONAL = '';
const PERSONAL_HOME = '/account/api-keys';
const LANDING_PATHS = new Set(['/', '/account', '/account/']);

/**
 * "Acting as": your personal account or one of your organizations. It follows the page shown
 * (an org's views say that org); the org last chosen is remembered for the tab's session, so
 * opening the gateway again in that tab returns to it.
 */
export function OrgSwitcher() {
  const { orgs } = useOrgs();
  const pathname = usePathname();
  const at = parseOrgPath(pathname);
  const current = at?.kind === 'org' ? at.id : PERSONAL;
  const selectId = useId();

  useEffect(() => {
    if (current !== PERSONAL) rememberOrg(current);
  }, [current]);

  // Once the list is known: forget an org the user no longer belongs to, or return to it from the landing path.
  useEffect(() => {
    const remembered = rememberedOrg();
    if (!orgs || remembered === null) return;
    if (!orgs.some((o) => o.id === remembered)) rememberOrg(null);
    else if (LANDING_PATHS.has(location.pathname)) navigate(orgPath(remembered), { replace: true });
  }, [orgs]);

  function choose(id: string) {
    if (id === PERSONAL) {
      rememberOrg(null);
      navigate(PERSONAL_HOME);
      return;
    }
    // Switching between orgs keeps the view (members stay members), when the role there offers it.
    const role = orgs?.find((o) => o.id === id)?.role;
    const keep = at?.kind === 'org' && role !== undefined && orgTabsFor(role).includes(at.tab);
    navigate(orgPath(id, keep ? at.tab : 'keys'));
  }

  return (
    <div className="org-switcher">
      <label htmlFor={selectId} className="small">
        Acting as
      </label>
      <select id={selectId} value={current} onChange={(e) => choose(e.target.value)} data-testid="org-switcher">
        <option value={PERSONAL}>Personal account</option>
        {orgs?.map((org) => (
          <option key={org.id} value={org.id}>
            {org.name} ({ROLE_LABELS[org.role]})
          </option>
        ))}
        {/* An org page opened before the list arrived, or of an org not in it (the page says "not found"). */}
        {current !== PERSONAL && !orgs?.some((o) => o.id === current) ? <option value={current}>{orgs ? 'Unknown organization' : 'Loading…'}</option> : null}
      </select>
      <Link href={NEW_ORG_PATH} className="small">
        Create organization
      </Link>
    </div>
  );
}
