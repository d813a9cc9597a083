import type { EntityManager } from '@mikro-orm/postgresql';
import { toDate } from './column-values.js';
import { isOrgId, type MemberKeysPolicy, type OrgRole } from './org-membership.repository.js';

/** An organization as stored (`byok_orgs`). */
export interface OrgRow {
  id: string;
  name: string;
  memberKeys: MemberKeysPolicy;
  platformFallback: 'allow' | 'never';
  externalId: string | null;
  createdBy: string;
  createdAt: Date;
}

/** How a member came in: added through the API, or seen in an identity provider's token claim. */
export type MemberSource = 'api' | 'claim';

/** One membership (`byok_org_members`). */
export interface OrgMemberRow {
  orgId: string;
  userId: string;
  role: OrgRole;
  source: MemberSource;
  addedBy: string | null;
  createdAt: Date;
}

interface RawOrg {
  id: string;
  name: string;
  member_keys: MemberKeysPolicy;
  platform_fallback: 'allow' | 'never';
  external_id: string | null;
  created_by: string;
  created_at: Date | string;
}

interface RawMember {
  org_id: string;
  user_id: string;
  role: OrgRole;
  source: MemberSource;
  added_by: string | null;
  created_at: Date | string;
}

const ORG_COLUMNS = 'o.id, o.name, o.member_keys, o.platform_fallback, o.external_id, o.created_by, o.created_at';
const MEMBER_COLUMNS = 'org_id, user_id, role, source, added_by, created_at';

function toOrg(raw: RawOrg): OrgRow {
  return {
    id: raw.id,
    name: raw.name,
    memberKeys: raw.member_keys,
    platformFallback: raw.platform_fallback,
    externalId: raw.external_id,
    createdBy: raw.created_by,
    createdAt: toDate(raw.created_at),
  };
}

function toMember(raw: RawMember): OrgMemberRow {
  return { orgId: raw.org_id, userId: raw.user_id, role: raw.role, source: raw.source, addedBy: raw.added_by, createdAt: toDate(raw.created_at) };
}

/**
 * Creates an organization with `createdBy` as its first owner. Takes a per-creator advisory lock
 * until the transaction ends and returns null when the creator already made `maxPerCreator`, so a
 * burst of creations cannot overrun the cap. Call inside a transaction.
 */
export async function insertOrgWithOwner(em: EntityManager, input: { name: string; createdBy: string; maxPerCreator: number }): Promise<OrgRow | null> {
  await em.execute('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`byok_orgs:${input.createdBy}`]);
  // Organizations recorded from a token claim name their first-seen member as creator; they do not count.
  const counted = await em.execute<Array<{ count: string | number }>>('SELECT count(*) AS count FROM byok_orgs WHERE created_by = ? AND external_id IS NULL', [input.createdBy]);
  if (Number(counted[0]?.count ?? 0) >= input.maxPerCreator) return null;
  const rows = await em.execute<RawOrg[]>(`INSERT INTO byok_orgs AS o (name, created_by) VALUES (?, ?) RETURNING ${ORG_COLUMNS}`, [input.name, input.createdBy]);
  const row = rows[0];
  if (!row) throw new Error('insert returned no row');
  await em.execute("INSERT INTO byok_org_members (org_id, user_id, role, source, added_by) VALUES (?, ?, 'owner', 'api', ?)", [row.id, input.createdBy, input.createdBy]);
  return toOrg(row);
}

/** The organizations the user is a member of, with the user's role, oldest first. */
export async function listOrgsOfUser(em: EntityManager, userId: string): Promise<Array<OrgRow & { role: OrgRole }>> {
  const rows = await em.execute<Array<RawOrg & { role: OrgRole }>>(
    `SELECT ${ORG_COLUMNS}, m.role FROM byok_org_members m JOIN byok_orgs o ON o.id = m.org_id WHERE m.user_id = ? ORDER BY o.created_at, o.id`,
    [userId],
  );
  return rows.map((raw) => ({ ...toOrg(raw), role: raw.role }));
}

/**
 * Locks the organization's row until the transaction ends and returns it, or null when there is
 * none. Every membership change takes this lock first, so changes to one organization's members
 * run one after the other and a rule over all of them (at least one owner) holds under races.
 */
export async function lockOrg(em: EntityManager, orgId: string): Promise<OrgRow | null> {
  if (!isOrgId(orgId)) return null;
  const rows = await em.execute<RawOrg[]>(`SELECT ${ORG_COLUMNS} FROM byok_orgs o WHERE o.id = ? FOR UPDATE`, [orgId.toLowerCase()]);
  const row = rows[0];
  return row ? toOrg(row) : null;
}

/** The organization by id, or null (without a lock: for reads). */
export async function findOrg(em: EntityManager, orgId: string): Promise<OrgRow | null> {
  if (!isOrgId(orgId)) return null;
  const rows = await em.execute<RawOrg[]>(`SELECT ${ORG_COLUMNS} FROM byok_orgs o WHERE o.id = ?`, [orgId.toLowerCase()]);
  const row = rows[0];
  return row ? toOrg(row) : null;
}

/** Changes the given settings of an organization and returns it as it now is. */
export async function updateOrg(
  em: EntityManager,
  orgId: string,
  fields: { name?: string; memberKeys?: MemberKeysPolicy; platformFallback?: 'allow' | 'never' },
): Promise<OrgRow> {
  const rows = await em.execute<RawOrg[]>(
    `UPDATE byok_orgs o SET name = COALESCE(?, name), member_keys = COALESCE(?, member_keys), platform_fallback = COALESCE(?, platform_fallback), updated_at = now()
     WHERE o.id = ? RETURNING ${ORG_COLUMNS}`,
    [fields.name ?? null, fields.memberKeys ?? null, fields.platformFallback ?? null, orgId],
  );
  const row = rows[0];
  if (!row) throw new Error(`organization ${orgId} vanished while locked`);
  return toOrg(row);
}

/**
 * Deletes the organization. Its keys, memberships and tokens go with it (foreign keys with
 * cascade); its usage and audit records stay. Returns who was a member, the hashes of the tokens
 * that stopped working (to announce to the proxies) and how many keys went.
 */
export async function deleteOrg(em: EntityManager, orgId: string): Promise<{ memberIds: string[]; tokenHashes: string[]; keys: number }> {
  const keys = await em.execute<Array<{ count: string | number }>>('SELECT count(*) AS count FROM user_provider_keys WHERE org_id = ?', [orgId]);
  const members = await em.execute<Array<{ user_id: string }>>('SELECT user_id FROM byok_org_members WHERE org_id = ?', [orgId]);
  const tokens = await em.execute<Array<{ token_hash: string }>>('SELECT token_hash FROM gateway_tokens WHERE org_id = ? AND revoked_at IS NULL', [orgId]);
  await em.execute('DELETE FROM byok_orgs WHERE id = ?', [orgId]);
  return { memberIds: members.map((m) => m.user_id), tokenHashes: tokens.map((t) => t.token_hash), keys: Number(keys[0]?.count ?? 0) };
}

/** The organization's members, owners first, then by when they joined. */
export async function listOrgMembers(em: EntityManager, orgId: string): Promise<OrgMemberRow[]> {
  const rows = await em.execute<RawMember[]>(
    `SELECT ${MEMBER_COLUMNS} FROM byok_org_members WHERE org_id = ?
     ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, created_at, user_id`,
    [orgId],
  );
  return rows.map(toMember);
}

export async function findOrgMember(em: EntityManager, orgId: string, userId: string): Promise<OrgMemberRow | null> {
  const rows = await em.execute<RawMember[]>(`SELECT ${MEMBER_COLUMNS} FROM byok_org_members WHERE org_id = ? AND user_id = ?`, [orgId, userId]);
  const row = rows[0];
  return row ? toMember(row) : null;
}

export async function insertOrgMember(em: EntityManager, input: { orgId: string; userId: string; role: OrgRole; addedBy: string }): Promise<OrgMemberRow> {
  const rows = await em.execute<RawMember[]>(
    `INSERT INTO byok_org_members (org_id, user_id, role, source, added_by) VALUES (?, ?, ?, 'api', ?) RETURNING ${MEMBER_COLUMNS}`,
    [input.orgId, input.userId, input.role, input.addedBy],
  );
  const row = rows[0];
  if (!row) throw new Error('insert returned no row');
  return toMember(row);
}

export async function setOrgMemberRole(em: EntityManager, orgId: string, userId: string, role: OrgRole): Promise<OrgMemberRow> {
  const rows = await em.execute<RawMember[]>(`UPDATE byok_org_members SET role = ? WHERE org_id = ? AND user_id = ? RETURNING ${MEMBER_COLUMNS}`, [role, orgId, userId]);
  const row = rows[0];
  if (!row) throw new Error(`membership of ${orgId} vanished while the organization was locked`);
  return toMember(row);
}

export async function deleteOrgMember(em: EntityManager, orgId: string, userId: string): Promise<void> {
  await em.execute('DELETE FROM byok_org_members WHERE org_id = ? AND user_id = ?', [orgId, userId]);
}

/** How many owners the organization has; read under `lockOrg` to decide on the last one. */
export async function countOrgOwners(em: EntityManager, orgId: string): Promise<number> {
  const rows = await em.execute<Array<{ count: string | number }>>("SELECT count(*) AS count FROM byok_org_members WHERE org_id = ? AND role = 'owner'", [orgId]);
  return Number(rows[0]?.count ?? 0);
}

/** What recording a user's token-claim organizations changed, by organization id. */
export interface ClaimMembershipChanges {
  joined: Array<{ orgId: string; externalId: string }>;
  left: Array<{ orgId: string; externalId: string }>;
}

/**
 * Makes the user's claim-sourced memberships match the organizations named in their token claim
 * (`AUTH_ORG_CLAIM`): organizations seen for the first time are created (by `external_id`, named
 * after it), missing memberships are added as `member` with source `claim`, and claim-sourced
 * memberships of organizations the claim no longer names are removed — the identity provider
 * decides those. Memberships added through the API are left alone, whatever the claim says.
 */
export async function syncClaimMemberships(em: EntityManager, userId: string, externalIds: readonly string[]): Promise<ClaimMembershipChanges> {
  // Sorted, so two first sightings of the same organizations insert in the same order and cannot
  // deadlock; passed as one JSON array, since the driver would spread a list into many parameters.
  const names = JSON.stringify([...new Set(externalIds)].sort());
  if (externalIds.length > 0) {
    await em.execute(
      `INSERT INTO byok_orgs (name, external_id, created_by)
       SELECT left(x, 100), x, ? FROM jsonb_array_elements_text(?::jsonb) AS x ORDER BY x ON CONFLICT (external_id) DO NOTHING`,
      [userId, names],
    );
  }
  const joined = await em.execute<Array<{ org_id: string; external_id: string }>>(
    `INSERT INTO byok_org_members (org_id, user_id, role, source)
     SELECT o.id, ?, 'member', 'claim' FROM byok_orgs o WHERE o.external_id IN (SELECT jsonb_array_elements_text(?::jsonb)) ORDER BY o.id
     ON CONFLICT (org_id, user_id) DO NOTHING
     RETURNING org_id, (SELECT external_id FROM byok_orgs WHERE id = org_id) AS external_id`,
    [userId, names],
  );
  const left = await em.execute<Array<{ org_id: string; external_id: string }>>(
    `DELETE FROM byok_org_members m USING byok_orgs o
     WHERE m.org_id = o.id AND m.user_id = ? AND m.source = 'claim' AND o.external_id NOT IN (SELECT jsonb_array_elements_text(?::jsonb))
     RETURNING m.org_id, o.external_id`,
    [userId, names],
  );
  const toChange = (r: { org_id: string; external_id: string }) => ({ orgId: r.org_id, externalId: r.external_id });
  return { joined: joined.map(toChange), left: left.map(toChange) };
}
