import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, TEST_JWT_SECRET, type ApiHarness } from '../support/api-harness.js';
import { testServiceUrls } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';
import { bearerOf, createOrg, type Headers } from './support/org-fixtures.js';

/**
 * Faults on the organization routes: with Postgres away every one answers 503 `db_unavailable`
 * (never 500), a token claim that could not be recorded is recorded once Postgres is back; with
 * Redis away, membership changes still commit (the proxies drop their caches when their
 * subscriber reconnects).
 */
describe('organizations while Postgres or Redis is away', () => {
  let h: ApiHarness;
  let pg: TcpSwitch;
  let redis: TcpSwitch;
  let owner: Headers;
  let orgId: string;
  beforeAll(async () => {
    const pgTarget = new URL(testServiceUrls().postgresAdminUrl);
    const redisTarget = new URL(testServiceUrls().redisUrl);
    pg = await startTcpSwitch({ host: pgTarget.hostname, port: Number(pgTarget.port || 5432) });
    redis = await startTcpSwitch({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
    h = await startApiHarness('orgs_outage', { databaseUrl: (db) => pg.url(db.url), redisUrl: redis.url(testServiceUrls().redisUrl), env: { AUTH_ORG_CLAIM: 'organization' } });
    owner = await bearerOf(h, 'out-owner');
    orgId = await createOrg(h, owner, 'Outage Org', { 'out-member': 'member' });
  }, 60_000);
  afterAll(async () => {
    await pg.on().catch(() => undefined);
    await redis.on().catch(() => undefined);
    await h.close();
    await pg.close();
    await redis.close();
  });

  async function claimBearer(userId: string, organization: string[]): Promise<Headers> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ roles: [], organization })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(h.config.auth.issuer)
      .setAudience('byok-gateway')
      .setSubject(userId)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    return { authorization: `Bearer ${token}` };
  }

  it('answers 503 db_unavailable on every org route while Postgres is away, and records a claim once it is back', async () => {
    const claimed = await claimBearer('out-claimed', ['outage-claim-org']);
    await pg.off();
    try {
      for (const request of [
        { method: 'GET' as const, url: '/api/v1/orgs' },
        { method: 'POST' as const, url: '/api/v1/orgs', payload: { name: 'during outage' } },
        { method: 'GET' as const, url: `/api/v1/orgs/${orgId}` },
        { method: 'PATCH' as const, url: `/api/v1/orgs/${orgId}`, payload: { member_keys: 'forbid' } },
        { method: 'DELETE' as const, url: `/api/v1/orgs/${orgId}` },
        { method: 'POST' as const, url: `/api/v1/orgs/${orgId}/members`, payload: { user_id: 'late' } },
        { method: 'DELETE' as const, url: `/api/v1/orgs/${orgId}/members/out-member` },
        { method: 'POST' as const, url: '/api/v1/llm/tokens', payload: { name: 'org', org_id: orgId } },
      ]) {
        const res = await h.app.inject({ ...request, headers: owner });
        expect(res.statusCode, `${request.method} ${request.url}: ${res.body}`).toBe(503);
        expect(res.json().error.code).toBe('db_unavailable');
      }
      const claimRequest = await h.app.inject({ url: '/api/v1/orgs', headers: claimed });
      expect(claimRequest.statusCode).toBe(503);
    } finally {
      await pg.on();
    }
    let orgs = await h.app.inject({ url: '/api/v1/orgs', headers: claimed });
    for (const deadline = Date.now() + 10_000; orgs.statusCode !== 200 && Date.now() < deadline; orgs = await h.app.inject({ url: '/api/v1/orgs', headers: claimed })) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(orgs.statusCode).toBe(200);
    expect(orgs.json().orgs.map((o: { name: string }) => o.name)).toEqual(['outage-claim-org']);
    const detail = (await h.app.inject({ url: `/api/v1/orgs/${orgId}`, headers: owner })).json();
    expect(detail).toMatchObject({ member_keys: 'prefer', members: [expect.objectContaining({ user_id: 'out-owner' }), expect.objectContaining({ user_id: 'out-member' })] });
  }, 60_000);

  it('commits membership and settings changes while Redis is away (the announcement is best effort)', async () => {
    await redis.off();
    try {
      const added = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/members`, headers: owner, payload: { user_id: 'out-new', role: 'admin' } });
      expect(added.statusCode, added.body).toBe(201);
      const patched = await h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}`, headers: owner, payload: { platform_fallback: 'never' } });
      expect(patched.statusCode, patched.body).toBe(200);
      expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/members/out-member`, headers: owner })).statusCode).toBe(204);
    } finally {
      await redis.on();
    }
    expect(h.logs.join('')).toContain('could not announce key change');
    const members = (await h.app.inject({ url: `/api/v1/orgs/${orgId}/members`, headers: owner })).json().members.map((m: { user_id: string }) => m.user_id);
    expect(members).toEqual(['out-owner', 'out-new']);
    // Back to ready before the harness closes, so its queue connections are not left reconnecting.
    await expect.poll(async () => (await h.app.inject({ url: '/readyz' })).json().checks.redis, { timeout: 15_000, interval: 200 }).toBe('ok');
  }, 60_000);
});
