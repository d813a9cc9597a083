/**
 * The servers of the proxy benchmark, each in its own child process, and the three targets that
 * reach the mock's OpenAI chat route: directly, through the minimal pass-through, and through the
 * proxy as a BYOK user with a gateway token (Postgres and Redis under a throw-away database and
 * prefix). Shared by `bench/proxy.bench.ts` and `bench/support/profile-proxy.ts`.
 */
import { generateGatewayToken, orgKeyOwner } from '@byok/auth';
import { createKeyring } from '@byok/crypto';
import { insertGatewayToken, upsertProviderKey } from '@byok/db';
import type { ProviderId } from '@byok/providers';
import { fakeKey } from '@byok/mock-providers/fake-keys';
import { deleteRedisPrefix } from '../../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../../test/support/services.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { type Child, startChild } from './child-process.js';
import type { HttpTarget } from './proxy-load.js';

const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SECRET = 'bench-only-jwt-secret-0123456789abcdef-not-real';
const USER = 'bench-user';
/** A member of `ORG` without keys of their own, whose requests go through the org's key. */
const MEMBER = 'bench-member';
const ORG = '6f1d2c3b-4a59-4e8f-9a7b-1c2d3e4f5a6b';
const MESSAGES = [{ role: 'user', content: 'Say hello to me' }];
export const PLAIN_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES });
export const STREAM_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });

export type TargetName = 'direct' | 'passthrough' | 'proxy';
export const TARGET_NAMES: readonly TargetName[] = ['direct', 'passthrough', 'proxy'];

export interface BenchServers {
  /** Non-streaming request to each target. */
  plain: Record<TargetName, HttpTarget>;
  /** The same with `stream: true`. */
  streaming: Record<TargetName, HttpTarget>;
  /** The process that serves each target (the mock for `direct`). */
  servers: Record<TargetName, Child<unknown>>;
  /** The proxy's environment (database, Redis prefix, secrets, the mock as OpenAI), for further gateway processes. */
  proxyEnv: Record<string, string>;
  /** The BYOK user's gateway token, accepted by every gateway process started with `proxyEnv`. */
  gatewayToken: string;
  /**
   * The proxy for a member of an organization (`member_keys: forbid`) whose gateway token acts for
   * the org, served by the org's OpenAI key (the same mock key as the user's).
   */
  orgMember: { plain: HttpTarget; streaming: HttpTarget };
  /** Usage events stored in Postgres so far (only a usage consumer stores them). */
  usageEventsStored(): Promise<number>;
  close(): Promise<void>;
}

export interface BenchServerOptions {
  /** Extra Node flags for the proxy process, e.g. `--cpu-prof`. */
  proxyNodeArgs?: string[];
  /** Extra Node flags for the pass-through process. */
  passthroughNodeArgs?: string[];
  /** Extra environment for the proxy process. */
  proxyEnv?: Record<string, string>;
}

async function seed(db: TestDatabase, apiKey: string): Promise<{ user: string; orgMember: string }> {
  const keyring = createKeyring([KEY]);
  const em = db.orm.em.fork();
  await upsertProviderKey(em, { userId: USER, provider: 'openai' satisfies ProviderId, apiKeyEncrypted: keyring.encrypt(apiKey), keyHint: 'sk-proj-****…****' });
  const token = generateGatewayToken();
  await insertGatewayToken(em, { userId: USER, name: 'bench', tokenHash: token.hash, tokenPrefix: token.prefix, expiresAt: null });
  // The org, its member, its key and the member's token for it, as the org API would write them.
  await db.sql("INSERT INTO byok_orgs (id, name, member_keys, created_by) VALUES ($1, 'bench org', 'forbid', $2)", [ORG, MEMBER]);
  await db.sql("INSERT INTO byok_org_members (org_id, user_id, role) VALUES ($1, $2, 'member')", [ORG, MEMBER]);
  const orgKey = await upsertProviderKey(em, { userId: orgKeyOwner(ORG), provider: 'openai' satisfies ProviderId, apiKeyEncrypted: keyring.encrypt(apiKey), keyHint: 'sk-proj-****…****' });
  await db.sql('UPDATE user_provider_keys SET org_id = $1 WHERE id = $2', [ORG, orgKey.key.id]);
  const memberToken = generateGatewayToken();
  const row = await insertGatewayToken(em, { userId: MEMBER, name: 'bench org', tokenHash: memberToken.hash, tokenPrefix: memberToken.prefix, expiresAt: null });
  await db.sql('UPDATE gateway_tokens SET org_id = $1 WHERE id = $2', [ORG, row.id]);
  return { user: token.token, orgMember: memberToken.token };
}

export async function startBenchServers(options: BenchServerOptions = {}): Promise<BenchServers> {
  const db = await createTestDatabase('bench_proxy');
  const prefix = uniqueTestName('bench_proxy');
  const apiKey = fakeKey('openai', 'valid', 'bench');
  const tokens = await seed(db, apiKey);
  const gatewayToken = tokens.user;
  const children: Child<unknown>[] = [];
  const close = async () => {
    for (const child of children.reverse()) await child.stop();
    await deleteRedisPrefix(prefix);
    await db.drop();
  };
  try {
    const mock = await startChild<{ url: string; baseUrls: Record<ProviderId, string> }>('bench/support/serve-mock.ts', {});
    children.push(mock);
    const passthrough = await startChild<{ url: string }>('bench/support/serve-passthrough.ts', {
      UPSTREAM_URL: `${mock.info.baseUrls.openai}/chat/completions`,
      UPSTREAM_API_KEY: apiKey,
    }, options.passthroughNodeArgs ?? []);
    children.push(passthrough);
    const proxyEnv = {
      DATABASE_URL: db.url,
      REDIS_URL: testServiceUrls().redisUrl,
      REDIS_PREFIX: prefix,
      BYOK_ENCRYPTION_KEYS: KEY,
      AUTH_JWT_SECRET: SECRET,
      PROVIDER_OPENAI_BASE_URL: mock.info.baseUrls.openai,
      LOG_LEVEL: 'warn',
      DATABASE_POOL_MAX: '5',
    };
    const proxy = await startChild<{ url: string }>('bench/support/serve-proxy.ts', { ...proxyEnv, ...options.proxyEnv }, options.proxyNodeArgs ?? []);
    children.push(proxy);

    const mockPath = new URL(`${mock.info.baseUrls.openai}/chat/completions`).pathname;
    const plain: Record<TargetName, HttpTarget> = {
      direct: { origin: mock.info.url, path: mockPath, headers: { authorization: `Bearer ${apiKey}` }, body: PLAIN_BODY },
      passthrough: { origin: passthrough.info.url, path: '/v1/chat/completions', headers: {}, body: PLAIN_BODY },
      proxy: { origin: proxy.info.url, path: '/v1/chat/completions', headers: { authorization: `Bearer ${gatewayToken}` }, body: PLAIN_BODY },
    };
    const streaming = Object.fromEntries(TARGET_NAMES.map((n) => [n, { ...plain[n], body: STREAM_BODY }])) as Record<TargetName, HttpTarget>;
    const usageEventsStored = async () => Number((await db.sql<{ n: string }>('SELECT count(*) AS n FROM usage_events'))[0]?.n ?? 0);
    const orgPlain: HttpTarget = { ...plain.proxy, headers: { authorization: `Bearer ${tokens.orgMember}` } };
    const orgMember = { plain: orgPlain, streaming: { ...orgPlain, body: STREAM_BODY } };
    return { plain, streaming, servers: { direct: mock, passthrough, proxy }, proxyEnv, gatewayToken, orgMember, usageEventsStored, close };
  } catch (error) {
    await close();
    throw error;
  }
}
