import { type EntityManager, ORG_KEY_OWNER_PREFIX, orgIdOfKeyOwner } from '@byok/db';
import { ORG_NOTIFIED_ROLES } from '../outbox/org-recipients.js';

/**
 * Who is told about budgets of each owner: a user owner is told themselves; an organization
 * (`org:<org id>`) tells its owners and admins, who manage its budgets (plain members are not told
 * about the organization's money). An organization without such members tells nobody.
 */
export async function budgetRecipients(em: EntityManager, ownerIds: readonly string[]): Promise<Map<string, string[]>> {
  const recipients = new Map<string, string[]>();
  const orgIds: string[] = [];
  for (const ownerId of ownerIds) {
    if (!ownerId.startsWith(ORG_KEY_OWNER_PREFIX)) {
      recipients.set(ownerId, [ownerId]);
      continue;
    }
    recipients.set(ownerId, []);
    // An org owner whose id is no org id (a hand-written row) tells nobody.
    const org = orgIdOfKeyOwner(ownerId);
    if (org !== null) orgIds.push(org);
  }
  if (orgIds.length === 0) return recipients;
  const rows = await em.execute<Array<{ org_id: string; user_id: string }>>(
    `SELECT org_id::text AS org_id, user_id FROM byok_org_members WHERE org_id IN (?) AND role = ANY(?::text[]) ORDER BY org_id, user_id`,
    [orgIds, `{${ORG_NOTIFIED_ROLES.join(',')}}`],
  );
  for (const row of rows) recipients.get(`${ORG_KEY_OWNER_PREFIX}${row.org_id}`)?.push(row.user_id);
  return recipients;
}
