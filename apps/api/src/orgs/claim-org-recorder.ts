import { createHash } from 'node:crypto';
import type { Principal } from '@byok/auth';
import { appendAudit, revokeOrgTokensOfMember, syncClaimMemberships, type Orm } from '@byok/db';
import type { PrincipalResolver } from '@byok/http';
import type { Logger } from 'pino';

/**
 * Records the organizations a token's `AUTH_ORG_CLAIM` lists, so admins can list members who
 * came from the identity provider: each organization by its claim name (`external_id`), each
 * membership as `member` with source `claim`; claim memberships the token no longer lists are
 * removed, with the tokens the user made for those organizations (as when a member leaves). What was recorded for a user is remembered, so a user's requests write only when their
 * claim changes (or in a process that has not seen them yet), not on every request.
 */
export function createClaimOrgRecorder(deps: {
  orm: Orm;
  announceKeyChange: (userId: string) => Promise<void>;
  announceTokenRevoked: (tokenHash: string) => Promise<void>;
  logger: Logger;
  maxRemembered: number;
}) {
  const recorded = new Map<string, string>();

  function remember(userId: string, signature: string): void {
    recorded.delete(userId);
    recorded.set(userId, signature);
    // A Map iterates in insertion order: the first entry is the one seen longest ago.
    if (recorded.size > deps.maxRemembered) recorded.delete(recorded.keys().next().value as string);
  }

  return async function record(principal: Principal): Promise<void> {
    const orgs = principal.orgs;
    if (orgs === undefined) return;
    // A digest, so what is remembered per user stays small however long the claim (50 names of 255 characters).
    const signature = createHash('sha256').update(JSON.stringify([...orgs].sort())).digest('base64url');
    if (recorded.get(principal.userId) === signature) return;
    try {
      const { changes, revokedTokenHashes } = await deps.orm.em.fork().transactional(async (tx) => {
        const synced = await syncClaimMemberships(tx, principal.userId, orgs);
        const base = { actorId: principal.userId, actorType: 'system' as const, subjectUserId: principal.userId };
        for (const joined of synced.joined) await appendAudit(tx, { ...base, action: 'org.member_added', orgId: joined.orgId, details: { role: 'member', source: 'claim', claim: joined.externalId } });
        const revoked: string[] = [];
        for (const left of synced.left) {
          const tokenHashes = await revokeOrgTokensOfMember(tx, left.orgId, principal.userId);
          revoked.push(...tokenHashes);
          await appendAudit(tx, { ...base, action: 'org.member_removed', orgId: left.orgId, details: { source: 'claim', claim: left.externalId, tokens_revoked: tokenHashes.length } });
        }
        return { changes: synced.joined.length + synced.left.length, revokedTokenHashes: revoked };
      });
      remember(principal.userId, signature);
      if (changes > 0) await deps.announceKeyChange(principal.userId);
      for (const hash of revokedTokenHashes) await deps.announceTokenRevoked(hash);
    } catch (err) {
      // The request goes on without the claim's memberships (their org routes answer 404 until a
      // later request records them); a database that is away fails the request on its own.
      deps.logger.warn({ err, user_id: principal.userId }, 'could not record the organizations of a token claim');
    }
  };
}

/** A principal resolver that records the claim organizations of every principal it resolves. */
export function recordingClaimOrgs(resolve: PrincipalResolver, record: (principal: Principal) => Promise<void>): PrincipalResolver {
  return async (request) => {
    const principal = await resolve(request);
    await record(principal);
    return principal;
  };
}
