import { createHash } from 'node:crypto';
import { type EntityManager, ORG_KEY_OWNER_PREFIX, orgIdOfKeyOwner } from '@byok/db';
import type { NotificationEvent } from '../event.js';

/** The members of an organization told about what it owns (its keys, its budgets): those who manage it. */
export const ORG_NOTIFIED_ROLES: readonly string[] = ['owner', 'admin'];

/** Whether an outbox row's owner is an organization (`org:<id>`), whose events go to its members instead. */
export function isOrgOwned(userId: string): boolean {
  return userId.startsWith(ORG_KEY_OWNER_PREFIX);
}

/**
 * The id of a member's copy of an organization's event: the same for the same event and member
 * (a version-8 UUID of their SHA-256), so readdressing again writes nothing new.
 */
export function memberEventId(eventId: string, userId: string): string {
  const hex = createHash('sha256').update(`${eventId}>${userId}`).digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface OrgEventRow {
  payload: NotificationEvent;
  dedupe_key: string;
  created_at: string;
  owner_id: string;
  org_id: string;
  org_name: string;
  member: string;
}

/**
 * Readdresses events an organization owns (about an org key: `user_id = 'org:<id>'`, which no one
 * signs in as) to the organization's owners and admins at the time of the drain: one outbox row
 * per member, undispatched, for the next drain to deliver like any other. Each copy names the
 * organization in its title and details. Call it in the drain's transaction that claims the
 * events and stamps them dispatched: the copies commit with the stamp, or neither does (and their
 * ids are derived from the event and the member, so a repeat writes no second copy). An
 * organization without owners or admins, or an owner id that is no organization, tells nobody.
 * Returns how many copies it wrote.
 */
export async function readdressOrgEvents(em: EntityManager, events: ReadonlyArray<{ id: string; userId: string }>): Promise<number> {
  const owned = events.flatMap((event) => {
    const orgId = orgIdOfKeyOwner(event.userId);
    return orgId === null ? [] : [{ event_id: event.id, owner_id: event.userId, org_id: orgId }];
  });
  if (owned.length === 0) return 0;
  const rows = await em.execute<OrgEventRow[]>(
    `SELECT o.payload, o.dedupe_key, o.created_at, e.owner_id, g.id::text AS org_id, g.name AS org_name, m.user_id AS member
     FROM jsonb_to_recordset(?::jsonb) AS e(event_id uuid, owner_id varchar, org_id uuid)
     JOIN notification_outbox o ON o.id = e.event_id
     JOIN byok_orgs g ON g.id = e.org_id
     JOIN byok_org_members m ON m.org_id = g.id AND m.role = ANY(?::text[])
     ORDER BY o.created_at, o.id, m.user_id`,
    [JSON.stringify(owned), `{${ORG_NOTIFIED_ROLES.join(',')}}`],
  );
  if (rows.length === 0) return 0;
  const copies = rows.map((row) => {
    const id = memberEventId(row.payload.id, row.member);
    const payload: NotificationEvent = {
      ...row.payload,
      id,
      userId: row.member,
      title: `${row.org_name}: ${row.payload.title}`,
      details: { ...row.payload.details, ownerId: row.owner_id, orgId: row.org_id, orgName: row.org_name },
    };
    return { id, user_id: row.member, type: payload.type, payload, dedupe_key: row.dedupe_key, created_at: row.created_at };
  });
  const inserted = await em.execute<Array<{ id: string }>>(
    `INSERT INTO notification_outbox (id, user_id, type, payload, dedupe_key, created_at)
     SELECT r.id, r.user_id, r.type, r.payload, r.dedupe_key, r.created_at
     FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, user_id varchar, type varchar, payload jsonb, dedupe_key varchar, created_at timestamptz)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [JSON.stringify(copies)],
  );
  return inserted.length;
}
