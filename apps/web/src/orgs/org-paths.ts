/**
 * Where the organization views live: `/account/orgs` (yours, and creating one), and
 * `/account/orgs/{id}/{tab}` for one org. The API serves the page at every /account/* path.
 */

import { canManageOrg } from './can-manage-org.js';
import type { OrgRole } from './org-types.js';

export const ORGS_PATH = '/account/orgs';
export const NEW_ORG_PATH = `${ORGS_PATH}/new`;

export const ORG_TABS = ['keys', 'members', 'usage', 'activity', 'settings'] as const;
export type OrgTab = (typeof ORG_TABS)[number];

/** The tabs offered to a role: the activity (audit) view is for owners and admins, as its route is. */
export function orgTabsFor(role: OrgRole): readonly OrgTab[] {
  return canManageOrg(role) ? ORG_TABS : ORG_TABS.filter((tab) => tab !== 'activity');
}

export type OrgLocation = { kind: 'list'; create: boolean } | { kind: 'org'; id: string; tab: OrgTab } | { kind: 'unknown' };

export function orgPath(id: string, tab: OrgTab = 'keys'): string {
  return `${ORGS_PATH}/${encodeURIComponent(id)}/${tab}`;
}

/** Reads an org view's path; null when the path is not one (a personal view). */
export function parseOrgPath(pathname: string): OrgLocation | null {
  const path = pathname.replace(/\/+$/, '');
  if (path === ORGS_PATH) return { kind: 'list', create: false };
  if (path === NEW_ORG_PATH) return { kind: 'list', create: true };
  if (!path.startsWith(`${ORGS_PATH}/`)) return null;
  const [id, tab = 'keys', ...rest] = path.slice(ORGS_PATH.length + 1).split('/');
  if (!id || rest.length > 0 || !(ORG_TABS as readonly string[]).includes(tab)) return { kind: 'unknown' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(id);
  } catch {
    // A malformed escape (`%E0%A4%A`) names no org.
    return { kind: 'unknown' };
  }
  return { kind: 'org', id: decoded, tab: tab as OrgTab };
}

const REMEMBERED_KEY = 'byok_org';

/** The org the user last acted for in this tab (sessionStorage: gone with the tab, like the token). */
export function rememberedOrg(): string | null {
  try {
    return sessionStorage.getItem(REMEMBERED_KEY);
  } catch {
    return null;
  }
}

export function rememberOrg(id: string | null): void {
  try {
    if (id === null) sessionStorage.removeItem(REMEMBERED_KEY);
    else sessionStorage.setItem(REMEMBERED_KEY, id);
  } catch {
    // Storage disabled (private mode quotas): the choice just is not remembered.
  }
}
