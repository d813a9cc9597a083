import { randomUUID } from 'node:crypto';
import type { ProviderId } from '@byok/providers';
import { fakeKey } from '@byok/mock-providers';
import type { ApiHarness } from '../../support/api-harness.js';

/**
 * An organization with members, written straight to its tables: organization CRUD is another
 * route group's, and the budgets API only reads membership.
 */
export async function createOrg(h: ApiHarness, members: Record<string, 'owner' | 'admin' | 'member'>): Promise<string> {
  const orgId = randomUUID();
  const [creator = 'nobody'] = Object.keys(members);
  await h.db.sql('INSERT INTO byok_orgs (id, name, created_by) VALUES ($1, $2, $3)', [orgId, `org ${orgId.slice(0, 8)}`, creator]);
  for (const [userId, role] of Object.entries(members)) await h.db.sql('INSERT INTO byok_org_members (org_id, user_id, role) VALUES ($1, $2, $3)', [orgId, userId, role]);
  return orgId;
}

/** An organization's key row (never decrypted here: budgets only name it). */
export async function createOrgKey(h: ApiHarness, orgId: string, provider: ProviderId): Promise<string> {
  const rows = await h.db.sql<{ id: string }>("INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, org_id) VALUES ($1, $2, 'not-a-fernet-token', $3) RETURNING id", [`org:${orgId}`, provider, orgId]);
  const [row] = rows;
  if (row === undefined) throw new Error('the org key should be inserted');
  return row.id;
}

/** Saves one of the user's keys through the API and returns its id. */
export async function saveKey(h: ApiHarness, headers: Record<string, string>, provider: ProviderId, seed: string): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers, payload: { provider, api_key: fakeKey(provider, 'valid', seed) } });
  if (res.statusCode !== 201) throw new Error(`saving a ${provider} key failed: ${res.body}`);
  return res.json<{ id: string }>().id;
}

/** A usage event as the usage consumer records it, for the budgets' use figures. */
export async function recordUsage(h: ApiHarness, event: { userId: string; provider: ProviderId; keyId?: string; orgId?: string; tokens: number; costMicro: number; at?: Date }): Promise<void> {
  await h.db.sql(
    `INSERT INTO usage_events (request_id, user_id, provider, model, credential_source, key_id, status_code, success, prompt_tokens, completion_tokens, cost_micro, occurred_at, org_id)
     VALUES ($1, $2, $3, 'm', 'user_provider', $4, 200, true, $5, $6, $7, $8, $9)`,
    [randomUUID(), event.userId, event.provider, event.keyId ?? null, Math.floor(event.tokens / 2), Math.ceil(event.tokens / 2), event.costMicro, event.at ?? new Date(), event.orgId ?? null],
  );
}

export const BUDGETS_URL = '/api/v1/llm/budgets';
