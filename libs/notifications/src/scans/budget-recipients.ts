import type { EntityManager } from '@byok/db';

const ORG_OWNER = /^org:(.+)$/;

/**
 * Who is told about budgets of each owner: a user owner is told themselves; an organization
 * (`org:<org id>`) tells its owners and admins, who manage its budgets (plain members are not told
 * about the organization's money). An organization without such members tells nobody.
 */
export async function budgetRecipients(em: EntityManager, ownerIds: readonly string[]): Promise<Map<string, string[]>> {
  const recipients = new Map<string, string[]>();
  const orgIds: string[] = [];
  for (const ownerId of ownerIds) {
    const org = ORG_OWNER.exec(ownerId)?.[1];
    if (org === undefined) recipients.set(ownerId, [ownerId]);
    else {
      recipients.set(ownerId, []);
      orgIds.push(org);
    }
  }
  if (orgIds.length === 0) return recipients;
  // Org ids are compared as text: an owner id that is no uuid matches nobody instead of failing the scan.
  const rows = await em.execute<Array<{ org_id: string; user_id: string }>>(
    `SELECT org_id::text AS org_id, user_id FROM byok_org_members WHERE org_id::text IN (?) AND role IN ('owner', 'admin') ORDER BY org_id, user_id`,
    [orgIds],
  );
  for (const row of rows) recipients.get(`org:${row.org_id}`)?.push(row.user_id);
  return recipients;
}
