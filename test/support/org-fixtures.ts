import { randomUUID } from 'node:crypto';
import type { TestDatabase } from './test-database.js';

export type OrgRoleName = 'owner' | 'admin' | 'member';

/**
 * An organization with members, inserted as rows (the org API is another part's; these tests are
 * about what members may do with the org's keys, usage and audit). Returns the org id.
 */
export async function insertOrg(db: TestDatabase, name: string, members: Record<string, OrgRoleName>): Promise<string> {
  const id = randomUUID();
  const [creator] = Object.keys(members);
  await db.sql('INSERT INTO byok_orgs (id, name, created_by) VALUES ($1, $2, $3)', [id, name, creator ?? 'nobody']);
  for (const [userId, role] of Object.entries(members)) {
    await db.sql('INSERT INTO byok_org_members (org_id, user_id, role) VALUES ($1, $2, $3)', [id, userId, role]);
  }
  return id;
}
