import { Writable } from 'node:stream';
import { generateGatewayToken } from '@byok/auth';
import type { Config, ProxySettings } from '@byok/config';
import type { KeyHealthPolicy } from '@byok/key-health';
import { applyCreditChange, insertGatewayToken } from '@byok/db';
import { PROVIDER_IDS, type ProviderId } from '@byok/providers';
import { buildProxy, type ProxyServices, startProxyServices } from '@byok/proxy';
import type { UsageBatch, UsageEvent } from '@byok/queues';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { chatRoutes } from '@byok/mock-providers/chat';
import { fakeKey, type MockProviders, type Scenario, startMockProviders } from '@byok/mock-providers';
import { type ApiHarness, type ApiHarnessOptions, startApiHarness } from '../../support/api-harness.js';

/** A proxy instance on its own runtime (connections, caches), listening on loopback. */
export interface ProxyInstance {
  app: Awaited<ReturnType<typeof buildProxy>>;
  runtime: Runtime;
  services: ProxyServices;
  url: string;
  logs: string[];
  close(): Promise<void>;
}

export interface ProxyHarness {
  api: ApiHarness;
  mock: MockProviders;
  proxy: ProxyInstance;
  config: Config;
  /** Platform keys configured through SYSTEM_<ID>_API_KEY, by provider. */
  systemKeys: Partial<Record<ProviderId, string>>;
  /** Another proxy instance on the same database and Redis prefix (optionally another Redis URL). */
  startProxy(options?: ProxyInstanceOptions): Promise<ProxyInstance>;
  jwt(userId: string): Promise<string>;
  /** Issues a personal gateway token straight through the repository. */
  gatewayToken(userId: string, options?: { expiresAt?: Date | null }): Promise<{ token: string; hash: string; id: string }>;
  /** Saves a key through the real API (encrypted, announced to every proxy). Returns its id. */
  addKey(userId: string, provider: ProviderId, scenario?: Scenario, seed?: string): Promise<{ id: string; apiKey: string }>;
  /** Disables (or enables) the user's key through the API, which announces the change. */
  setKeyEnabled(userId: string, provider: ProviderId, enabled: boolean): Promise<void>;
  /** Deletes the user's key through the API, which announces the change. */
  deleteKey(userId: string, provider: ProviderId): Promise<void>;
  /** Writes a test status as the worker would (the worker announces nothing; callers decide). */
  setKeyStatus(keyId: string, status: 'valid' | 'invalid' | 'error'): Promise<void>;
  grantCredits(userId: string, amountMicro: number): Promise<void>;
  /** Every usage event on the queue, read back from Redis. */
  usageEvents(): Promise<UsageEvent[]>;
  close(): Promise<void>;
}

export interface ProxyInstanceOptions {
  redisUrl?: string;
  /** The clock budgets' periods are read with. */
  now?: () => number;
  settings?: Partial<ProxySettings>;
  keyHealthPolicy?: Partial<KeyHealthPolicy>;
}

export interface ProxyHarnessOptions {
  /** Providers given a platform key (SYSTEM_<ID>_API_KEY), a valid mock key each. */
  systemKeyProviders?: ProviderId[];
  settings?: Partial<ProxySettings>;
  env?: Record<string, string>;
  api?: ApiHarnessOptions;
  slowDelayMs?: number;
  /** Cool-down and circuit numbers of every instance (tests shorten them). */
  keyHealthPolicy?: Partial<KeyHealthPolicy>;
}

/**
 * The whole path a chat request takes, for real: mock providers (with their chat routes), the API
 * (to save keys the way users do), Postgres and Redis under a unique prefix, and a proxy process's
 * runtime and server. Upstream base URLs point at the mock through PROVIDER_<ID>_BASE_URL.
 */
export async function startProxyHarness(label: string, options: ProxyHarnessOptions = {}): Promise<ProxyHarness> {
  const mock = await startMockProviders({ extraRoutes: chatRoutes, ...(options.slowDelayMs !== undefined ? { slowDelayMs: options.slowDelayMs } : {}) });
  const env: Record<string, string> = {};
  for (const id of PROVIDER_IDS) env[`PROVIDER_${id.toUpperCase()}_BASE_URL`] = mock.baseUrls[id];
  const systemKeys: Partial<Record<ProviderId, string>> = {};
  for (const id of options.systemKeyProviders ?? []) {
    const key = fakeKey(id, 'valid', 'platform');
    systemKeys[id] = key;
    env[`SYSTEM_${id.toUpperCase()}_API_KEY`] = key;
  }
  // The caller's own variables win, e.g. a base URL pointing at a closed port.
  const api = await startApiHarness(label, { ...options.api, env: { ...options.api?.env, ...env, ...options.env } });
  const instances: ProxyInstance[] = [];

  async function startProxy(instanceOptions: ProxyInstanceOptions = {}): Promise<ProxyInstance> {
    const logs: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        logs.push(String(chunk));
        callback();
      },
    });
    const config: Config = { ...api.config, ...(instanceOptions.redisUrl ? { redisUrl: instanceOptions.redisUrl } : {}) };
    const runtime = await openRuntime(config, createLogger({ level: 'debug', name: 'proxy-test', destination }));
    const keyHealthPolicy = instanceOptions.keyHealthPolicy ?? options.keyHealthPolicy;
    const services = await startProxyServices(runtime, {
      settings: { ...options.settings, ...instanceOptions.settings },
      ...(keyHealthPolicy !== undefined ? { keyHealthPolicy } : {}),
      ...(instanceOptions.now !== undefined ? { now: instanceOptions.now } : {}),
    });
    const app = await buildProxy(runtime, { services });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const instance: ProxyInstance = {
      app,
      runtime,
      services,
      url: `http://127.0.0.1:${port}`,
      logs,
      async close() {
        await app.close();
        await services.close(1000);
        await runtime.close();
      },
    };
    instances.push(instance);
    return instance;
  }

  const proxy = await startProxy();
  return {
    api,
    mock,
    proxy,
    config: api.config,
    systemKeys,
    startProxy,
    jwt: (userId) => api.token(userId),
    async gatewayToken(userId, tokenOptions = {}) {
      const generated = generateGatewayToken();
      const row = await insertGatewayToken(api.runtime.orm.em.fork(), {
        userId,
        name: 'test token',
        tokenHash: generated.hash,
        tokenPrefix: generated.prefix,
        expiresAt: tokenOptions.expiresAt ?? null,
      });
      return { token: generated.token, hash: generated.hash, id: row.id };
    },
    async addKey(userId, provider, scenario = 'valid', seed = userId) {
      const apiKey = fakeKey(provider, scenario, seed);
      const res = await api.app.inject({
        method: 'POST',
        url: '/api/v1/llm/byok/keys',
        headers: { authorization: `Bearer ${await api.token(userId)}` },
        payload: { provider, api_key: apiKey },
      });
      if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`saving the ${provider} key failed: ${res.statusCode} ${res.body}`);
      return { id: (res.json() as { id: string }).id, apiKey };
    },
    async setKeyEnabled(userId, provider, enabled) {
      const res = await api.app.inject({
        method: 'POST',
        url: `/api/v1/llm/byok/keys/${provider}/toggle`,
        headers: { authorization: `Bearer ${await api.token(userId)}` },
        payload: { enabled },
      });
      if (res.statusCode !== 200) throw new Error(`toggling the ${provider} key failed: ${res.statusCode} ${res.body}`);
    },
    async deleteKey(userId, provider) {
      const res = await api.app.inject({ method: 'DELETE', url: `/api/v1/llm/byok/keys/${provider}`, headers: { authorization: `Bearer ${await api.token(userId)}` } });
      if (res.statusCode !== 204) throw new Error(`deleting the ${provider} key failed: ${res.statusCode} ${res.body}`);
    },
    async setKeyStatus(keyId, status) {
      await api.db.sql('UPDATE user_provider_keys SET test_status = $1 WHERE id = $2', [status, keyId]);
    },
    async grantCredits(userId, amountMicro) {
      await api.runtime.orm.em.fork().transactional((tx) => applyCreditChange(tx, { userId, kind: 'grant', amountMicro, actorId: 'test' }));
    },
    async usageEvents() {
      const jobs = await proxy.runtime.producers.usageEvents.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'], 0, -1);
      return jobs.flatMap((job) => (job.data as UsageBatch).events);
    },
    async close() {
      for (const instance of instances.splice(0).reverse()) await instance.close();
      await api.close();
      await mock.close();
    },
  };
}

/** Polls until `check` returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
