import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { generateGatewayToken, orgKeyOwner } from '@byok/auth';
import { insertGatewayToken, upsertProviderKey } from '@byok/db';
import type { ProviderId } from '@byok/providers';
import { type KeyTestJob, publishKeyChange } from '@byok/queues';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../security/support/error-shape.js';
import { type ProxyHarness, type ProxyInstance, startProxyHarness, waitFor } from './support/proxy-harness.js';
import { type ScriptedUpstream, scriptedKey, startScriptedUpstream } from './support/scripted-upstream.js';

/**
 * Issue #17's proxy half: a member acting for an organization (`x-byok-org`, or a gateway token
 * made for the org) routes over the org's keys and their own, in the order of the org's
 * `member_keys`, under the org's `platform_fallback`; a non-member is told 404 whatever the id;
 * a removal is seen by every instance within 1 s. Orgs and members are written with plain SQL
 * (the org API is another part of #17). OpenAI points at a scripted upstream that answers
 * `served by <key name>`, Together at one that echoes the key it was called with.
 */

let h: ProxyHarness;
let up: ScriptedUpstream;
let echo: Server;

function startEchoUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-echo',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: `the key is ${key}` }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
        }),
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  up = await startScriptedUpstream();
  echo = await startEchoUpstream();
  h = await startProxyHarness('org_routing', {
    systemKeyProviders: ['openai'],
    env: {
      PROVIDER_OPENAI_BASE_URL: up.baseUrl,
      PROVIDER_TOGETHER_BASE_URL: `http://127.0.0.1:${(echo.address() as AddressInfo).port}/v1`,
      PROVIDER_OPENROUTER_BASE_URL: 'http://127.0.0.1:9/api/v1',
    },
  });
});
afterAll(async () => {
  await h?.close();
  await up?.close();
  await new Promise((resolve) => echo?.close(resolve));
});

const sql = <T>(text: string, params: unknown[] = []) => h.api.runtime.orm.em.fork().execute<T[]>(text, params);
let seq = 0;
const newUser = () => `org-member-${++seq}`;

async function createOrg(options: { memberKeys?: 'prefer' | 'allow' | 'forbid'; platformFallback?: 'allow' | 'never' } = {}): Promise<string> {
  const id = randomUUID();
  await sql('INSERT INTO byok_orgs (id, name, member_keys, platform_fallback, created_by) VALUES (?, ?, ?, ?, ?)', [id, `org ${id.slice(0, 8)}`, options.memberKeys ?? 'prefer', options.platformFallback ?? 'allow', 'test']);
  return id;
}

/**
 * Adds a membership in SQL and drops the user's cached routes on the main instance, as the API's
 * announcement would (the announcement itself is tested in "an addition announced…").
 */
async function addMember(orgId: string, userId: string, role = 'member'): Promise<void> {
  await sql('INSERT INTO byok_org_members (org_id, user_id, role) VALUES (?, ?, ?)', [orgId, userId, role]);
  h.proxy.services.routes.invalidate(userId);
}

/** Saves a key the way the key service does (encrypted, bound to its owner); `orgId` makes it the org's. */
async function addKey(owner: { userId: string } | { orgId: string }, label: string, behaviour = 'ok', provider: ProviderId = 'openai', apiKey?: string): Promise<string> {
  const userId = 'orgId' in owner ? orgKeyOwner(owner.orgId) : owner.userId;
  const keyring = h.api.runtime.keyring;
  const id = randomUUID();
  const token = keyring.encrypt(apiKey ?? scriptedKey(behaviour, keyName(userId, label)));
  await upsertProviderKey(h.api.runtime.orm.em.fork(), { id, userId, provider, label, apiKeyEncrypted: token, keyHint: 'test', binding: keyring.bind({ id, userId, provider }, token) });
  if ('orgId' in owner) await sql('UPDATE user_provider_keys SET org_id = ? WHERE id = ?', [owner.orgId, id]);
  return id;
}

/** The scripted upstream's name for a key: letters, digits and `_` only. */
const keyName = (ownerId: string, label: string) => `${ownerId.replace(/[^A-Za-z0-9]/g, '_')}_${label}`;

async function post(auth: string, headers: Record<string, string> = {}, options: { proxy?: ProxyInstance; model?: string } = {}) {
  const res = await request(`${(options.proxy ?? h.proxy).url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}`, ...headers },
    body: JSON.stringify({ model: options.model ?? 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    text,
    route: String(res.headers['x-byok-route'] ?? ''),
    requestId: String(res.headers['x-request-id'] ?? ''),
    json: () => JSON.parse(text),
    /** The API's error, checked against its shape and the closed set of codes. */
    error: () => errorOf({ statusCode: res.statusCode, headers: res.headers, body: text }),
  };
}

const asMember = async (userId: string, orgId: string | undefined, options: { proxy?: ProxyInstance; model?: string } = {}) =>
  post(await h.jwt(userId), orgId === undefined ? {} : { 'x-byok-org': orgId }, options);
/**
 * Which key served the last request, as the scripted upstream recorded it (the answer's own
 * `served by <name>` is no witness: the name is part of the key, so an org key's is redacted).
 */
const lastServed = () => `served by ${up.calls.at(-1)}`;

describe('routing for a member acting for an org', () => {
  it('member_keys prefer, allow and forbid order the member’s and the org’s keys; the receipt names org keys org:<provider>/<label>', async () => {
    const user = newUser();
    await addKey({ userId: user }, 'mine');
    const expected = { prefer: keyName(user, 'mine'), allow: 'org', forbid: 'org' } as const;
    for (const policy of ['prefer', 'allow', 'forbid'] as const) {
      const orgId = await createOrg({ memberKeys: policy });
      await addMember(orgId, user);
      await addKey({ orgId }, 'shared');
      const res = await asMember(user, orgId);
      expect(res.status, res.text).toBe(200);
      const orgKey = keyName(orgKeyOwner(orgId), 'shared');
      expect(lastServed()).toBe(`served by ${expected[policy] === 'org' ? orgKey : expected[policy]}`);
      if (policy === 'prefer') expect(res.route).toMatch(/^user_openrouter:skipped=no_key; user_provider\(openai\/mine\):chosen=200; org:openrouter:skipped=no_key; org:openai\/shared:not_needed;/);
      if (policy === 'allow') expect(res.route).toMatch(/^org:openrouter:skipped=no_key; org:openai\/shared:chosen=200; user_openrouter:skipped=no_key; user_provider\(openai\/mine\):not_needed;/);
      if (policy === 'forbid') {
        expect(res.route).toMatch(/^org:openrouter:skipped=no_key; org:openai\/shared:chosen=200; system\(openai\)/);
        expect(res.route).not.toContain('mine');
      }
    }
    // Without the header the same member routes over their own keys only.
    const personal = await asMember(user, undefined);
    expect(lastServed()).toBe(`served by ${keyName(user, 'mine')}`);
    expect(personal.route).not.toContain('org:');
  });

  it('forbid with a failing org key fails over to the platform, never to the member’s key; platform_fallback never refuses instead', async () => {
    const user = newUser();
    await addKey({ userId: user }, 'mine');
    await h.grantCredits(user, 1_000_000);
    const forbid = await createOrg({ memberKeys: 'forbid' });
    await addMember(forbid, user);
    await addKey({ orgId: forbid }, 'broken', 's503');
    const res = await asMember(user, forbid);
    expect(res.status, res.text).toBe(200);
    expect(res.route).toMatch(/org:openai\/broken:failed=503[^;]*; system\(openai\):chosen=200/);
    expect(res.route).not.toContain('mine');

    const never = await createOrg({ memberKeys: 'forbid', platformFallback: 'never' });
    await addMember(never, user);
    const refused = await asMember(user, never);
    expect(refused.status).toBe(400);
    expect(refused.json().error.code).toBe('no_route');
    expect(refused.route).toBe('org:openrouter:skipped=no_key; org:openai:skipped=no_key; system(openai):skipped=platform_fallback_never; system(openrouter):skipped=no_system_key');
  });

  it('a non-member, an unknown org and a garbage id all get the same 404 org_not_found', async () => {
    const user = newUser();
    const orgId = await createOrg();
    await addMember(orgId, 'someone-else');
    await addKey({ orgId }, 'shared');
    const bodies = [];
    for (const header of [orgId, randomUUID(), 'not-an-org', `${orgId}x`, '\u00e9t\u00e9']) {
      const res = await post(await h.jwt(user), { 'x-byok-org': header });
      expect(res.status, header).toBe(404);
      const { code, message } = res.error();
      bodies.push({ code, message });
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0]?.code).toBe('org_not_found');
    expect(up.calls.filter((c) => c === keyName(orgKeyOwner(orgId), 'shared'))).toHaveLength(0);
  });

  it('an org gateway token acts for its org without the header and refuses another org (400 org_mismatch)', async () => {
    const user = newUser();
    const orgId = await createOrg({ memberKeys: 'forbid' });
    const other = await createOrg();
    await addMember(orgId, user);
    await addMember(other, user);
    await addKey({ orgId }, 'shared');
    const generated = generateGatewayToken();
    const row = await insertGatewayToken(h.api.runtime.orm.em.fork(), { userId: user, name: 'org token', tokenHash: generated.hash, tokenPrefix: generated.prefix, expiresAt: null });
    await sql('UPDATE gateway_tokens SET org_id = ? WHERE id = ?', [orgId, row.id]);

    const plain = await post(generated.token);
    expect(plain.status, plain.text).toBe(200);
    expect(lastServed()).toBe(`served by ${keyName(orgKeyOwner(orgId), 'shared')}`);
    expect((await post(generated.token, { 'x-byok-org': orgId.toUpperCase() })).status).toBe(200);
    const mismatch = await post(generated.token, { 'x-byok-org': other });
    expect(mismatch.status).toBe(400);
    expect(mismatch.error()).toMatchObject({ code: 'org_mismatch', details: [{ path: 'headers/x-byok-org' }] });
  });

  it('the usage event names the org and whether its key served; the member is the user and is charged nothing for a BYOK key', async () => {
    const user = newUser();
    await addKey({ userId: user }, 'mine');
    const orgId = await createOrg({ memberKeys: 'allow' });
    await addMember(orgId, user);
    const orgKeyId = await addKey({ orgId }, 'shared');
    const viaOrg = await asMember(user, orgId);
    const personal = await asMember(user, undefined);
    const events = await waitFor(async () => {
      const all = await h.usageEvents();
      const found = [viaOrg.requestId, personal.requestId].map((id) => all.find((e) => e.requestId === id));
      return found.every((e) => e !== undefined) ? found : undefined;
    }, 5000, 'both usage events');
    expect(events[0]).toMatchObject({ userId: user, orgId, orgKey: true, keyId: orgKeyId, credentialSource: 'user_provider', creditsMicro: 0 });
    expect(events[1]).toMatchObject({ userId: user });
    expect(events[1]).not.toHaveProperty('orgId');
    expect(events[1]).not.toHaveProperty('orgKey');
  });

  it('an org key the upstream refuses is re-validated under the org’s owner id, not the member’s', async () => {
    const user = newUser();
    const orgId = await createOrg({ memberKeys: 'forbid' });
    await addMember(orgId, user);
    const refusedId = await addKey({ orgId }, 'revoked', 's401');
    await addKey({ orgId }, 'spare');
    await sql('UPDATE user_provider_keys SET priority = 2 WHERE user_id = ? AND label = ?', [orgKeyOwner(orgId), 'spare']);
    h.proxy.services.routes.invalidate(orgKeyOwner(orgId));
    const res = await asMember(user, orgId);
    expect(res.status, res.text).toBe(200);
    expect(res.route).toContain('org:openai/revoked:failed=401');
    const job = await waitFor(async () => {
      const jobs = await h.proxy.runtime.producers.keyTests.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'], 0, -1);
      return jobs.map((j) => j.data as KeyTestJob).find((j) => j.keyId === refusedId);
    }, 3000, 'the re-validation of the refused org key');
    expect(job).toMatchObject({ userId: orgKeyOwner(orgId), reason: 'rejected_upstream' });
  });

  it('a member can use an org key but the proxy never echoes it back', async () => {
    const user = newUser();
    const orgId = await createOrg({ memberKeys: 'forbid', platformFallback: 'never' });
    await addMember(orgId, user);
    const secret = 'tgp_v1_ORGSECRETorgsecretORGSECRETorgsecretORGSECRET12';
    await addKey({ orgId }, 'shared', 'ok', 'together', secret);
    const res = await asMember(user, orgId, { model: 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo' });
    expect(res.status, res.text).toBe(200);
    expect(res.route).toContain('org:together/shared:chosen');
    expect(res.text).toContain('[redacted]');
    for (let i = 0; i + 8 <= secret.length; i++) expect(res.text).not.toContain(secret.slice(i, i + 8));
  });

  it('/v1/models for an org lists what the org’s keys serve, marked org_key; a non-member gets 404', async () => {
    const user = newUser();
    const orgId = await createOrg({ memberKeys: 'forbid', platformFallback: 'never' });
    await addMember(orgId, user);
    await addKey({ orgId }, 'shared');
    const list = async (headers: Record<string, string>) =>
      request(`${h.proxy.url}/v1/models`, { headers: { authorization: `Bearer ${await h.jwt(user)}`, ...headers } }).then(async (r) => ({ status: r.statusCode, body: (await r.body.json()) as { data?: Array<{ id: string; byok: { org_key?: boolean } }>; error?: { code: string } } }));
    const forOrg = await list({ 'x-byok-org': orgId });
    expect(forOrg.status).toBe(200);
    const entry = forOrg.body.data?.find((m) => m.id === 'gpt-4o-mini');
    expect(entry?.byok).toMatchObject({ route: 'user_provider', provider: 'openai', org_key: true, charged: false });
    const stranger = await request(`${h.proxy.url}/v1/models`, { headers: { authorization: `Bearer ${await h.jwt(newUser())}`, 'x-byok-org': orgId } });
    expect(stranger.statusCode).toBe(404);
    expect(((await stranger.body.json()) as { error: { code: string } }).error.code).toBe('org_not_found');
  });
});

describe('removing a member', () => {
  it('stops their use of org keys within 1 s on two proxy instances', async () => {
    const user = newUser();
    const orgId = await createOrg({ memberKeys: 'forbid', platformFallback: 'never' });
    await addMember(orgId, user);
    await addKey({ orgId }, 'shared');
    const second = await h.startProxy();
    // Both instances hold the member's org entry before the removal.
    for (const proxy of [h.proxy, second]) expect((await asMember(user, orgId, { proxy })).status).toBe(200);

    await sql('DELETE FROM byok_org_members WHERE org_id = ? AND user_id = ?', [orgId, user]);
    await publishKeyChange(h.api.runtime.redis, h.api.redisPrefix, user);
    const removedAt = Date.now();
    for (const proxy of [h.proxy, second]) {
      const seenAt = await waitFor(async () => ((await asMember(user, orgId, { proxy })).status === 404 ? Date.now() : undefined), 3000, 'the removal on an instance');
      expect(seenAt - removedAt).toBeLessThan(1000);
    }
  });

  it('an addition announced with the user id ends a cached 404 at once', async () => {
    const user = newUser();
    const orgId = await createOrg({ memberKeys: 'forbid', platformFallback: 'never' });
    await addKey({ orgId }, 'shared');
    expect((await asMember(user, orgId)).status).toBe(404);
    await addMember(orgId, user);
    await publishKeyChange(h.api.runtime.redis, h.api.redisPrefix, user);
    const addedAt = Date.now();
    const seenAt = await waitFor(async () => ((await asMember(user, orgId)).status === 200 ? Date.now() : undefined), 3000, 'the addition');
    expect(seenAt - addedAt).toBeLessThan(1000);
  });

  it('an org:<id> message (e.g. its settings changed) is seen by both instances within 1 s', async () => {
    const user = newUser();
    const orgId = await createOrg({ memberKeys: 'prefer', platformFallback: 'never' });
    await addMember(orgId, user);
    await addKey({ userId: user }, 'mine');
    await addKey({ orgId }, 'shared');
    const second = await h.startProxy();
    for (const proxy of [h.proxy, second]) {
      await asMember(user, orgId, { proxy });
      expect(lastServed()).toBe(`served by ${keyName(user, 'mine')}`);
    }

    await sql("UPDATE byok_orgs SET member_keys = 'forbid' WHERE id = ?", [orgId]);
    await publishKeyChange(h.api.runtime.redis, h.api.redisPrefix, orgKeyOwner(orgId));
    const changedAt = Date.now();
    const orgKey = `served by ${keyName(orgKeyOwner(orgId), 'shared')}`;
    for (const proxy of [h.proxy, second]) {
      const seenAt = await waitFor(
        async () => {
          await asMember(user, orgId, { proxy });
          return lastServed() === orgKey ? Date.now() : undefined;
        },
        3000,
        'the new policy on an instance',
      );
      expect(seenAt - changedAt).toBeLessThan(1000);
    }
  });
});
