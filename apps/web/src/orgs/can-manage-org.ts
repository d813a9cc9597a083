import type { OrgRole } from './org-types.js';

/**
 * Owners and admins manage keys, members and settings and read the org's activity. Apart from the
 * other role rules (org-roles.ts) because the header's switcher needs it to keep a view only where
 * the role allows it, and what the switcher imports is in the page's first download.
 */
export function canManageOrg(role: OrgRole): boolean {
  return role === 'owner' || role === 'admin';
}
