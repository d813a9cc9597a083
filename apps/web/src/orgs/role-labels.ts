import type { OrgRole } from './org-types.js';

/**
 * Roles in words. Apart from the rules in org-roles.ts because the header's switcher needs only
 * these, and what it imports is in the page's first download.
 */
export const ROLE_LABELS: Readonly<Record<OrgRole, string>> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
