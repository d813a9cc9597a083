import { generateGatewayToken } from '@byok/auth';
import { appendAudit, findOrgMembership, insertGatewayToken, listGatewayTokens, lockAndCountActiveGatewayTokens, lockOrg, revokeGatewayToken, type EntityManager, type GatewayTokenRow } from '@byok/db';
import { AppError, notFound, orgNotFound } from '@byok/http';
import type { Actor } from '../http/actor.js';

/** The organization's id (normalized) when `userId` is a member, under a lock on its row; 404 otherwise. */
async function memberOrgId(tx: EntityManager, orgId: string, userId: string): Promise<string> {
  const org = await lockOrg(tx, orgId);
  if (org === null || (await findOrgMembership(tx, org.id, userId)) === null) throw orgNotFound('body/org_id');
  return org.id;
}

/**
 * Personal gateway tokens for OpenAI-compatible clients. The token is returned once, at creation;
 * only its SHA-256 hash is stored, so a database leak does not hand out working tokens.
 */
export function createTokenService(deps: {
  announceRevoked: (tokenHash: string) => Promise<void>;
  /** Most usable tokens per user (GATEWAY_TOKENS_PER_USER_MAX): each one is a standing credential. */
  maxActivePerUser: number;
}) {
  return {
    /**
     * With `orgId` the token acts for that organization; the caller must be a member. The org's
     * row is locked while the token is inserted, so a concurrent deletion of the organization
     * either sees the token (and revokes it) or makes this a 404, never a half-made token.
     */
    async create(em: EntityManager, actor: Actor, userId: string, input: { name: string; expiresInDays?: number; orgId?: string }): Promise<{ row: GatewayTokenRow; token: string }> {
      const generated = generateGatewayToken();
      const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
      const row = await em.transactional(async (tx) => {
        if ((await lockAndCountActiveGatewayTokens(tx, userId)) >= deps.maxActivePerUser) {
          throw new AppError('conflict', `You already have ${deps.maxActivePerUser} active gateway tokens, the most allowed; revoke one you no longer use first`);
        }
        const orgId = input.orgId === undefined ? null : await memberOrgId(tx, input.orgId, userId);
        const inserted = await insertGatewayToken(tx, { userId, orgId, name: input.name, tokenHash: generated.hash, tokenPrefix: generated.prefix, expiresAt });
        await appendAudit(tx, { ...actor, action: 'token.created', subjectUserId: userId, orgId, details: { token_id: inserted.id, name: input.name, prefix: generated.prefix } });
        return inserted;
      });
      return { row, token: generated.token };
    },

    list(em: EntityManager, userId: string): Promise<GatewayTokenRow[]> {
      return listGatewayTokens(em, userId);
    },

    async revoke(em: EntityManager, actor: Actor, userId: string, id: string): Promise<void> {
      const revoked = await em.transactional(async (tx) => {
        const row = await revokeGatewayToken(tx, userId, id);
        if (row) await appendAudit(tx, { ...actor, action: 'token.revoked', subjectUserId: userId, details: { token_id: id, name: row.name, prefix: row.tokenPrefix } });
        return row;
      });
      if (!revoked) throw notFound('Token');
      await deps.announceRevoked(revoked.tokenHash);
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
