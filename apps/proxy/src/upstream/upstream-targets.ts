import { type ChatAdapter, chatAdapterFor, PROVIDER_IDS, PROVIDERS, type ProviderDefinition, type ProviderId } from '@byok/providers';
import { Pool } from 'undici';
import type { ProxySettings } from '@byok/config';

/** Everything the proxy needs to call one provider, resolved once at boot. */
export interface UpstreamTarget {
  provider: ProviderDefinition;
  adapter: ChatAdapter;
  /** The configured base URL (`PROVIDER_<ID>_BASE_URL`) or the registry's default. */
  baseUrl: string;
  /** `scheme://host[:port]` of `baseUrl`: the key of its connection pool. */
  origin: string;
  /** Keep-alive connections to `origin`, shared by every provider on the same origin. */
  pool: Pool;
}

export interface UpstreamTargets {
  get(provider: ProviderId): UpstreamTarget;
  /** Closes every pool, letting requests under way finish. */
  close(): Promise<void>;
}

/** Per-provider settings as `@byok/config` parses them (`config.providers`). */
export type UpstreamSettings = Readonly<Partial<Record<ProviderId, { readonly baseUrl?: string | undefined }>>>;

/**
 * One undici pool per upstream origin, created at boot so a request never pays for setting one up.
 * Pools keep connections alive and never pipeline (an upstream that stalls one answer must not
 * stall the next). undici's `request` never follows redirects: a 3xx reaches the proxy as is.
 * `headersTimeout` bounds the wait for the answer to start, `bodyTimeout` the silence between
 * two body chunks, so a long stream is fine as long as it keeps moving.
 */
export function createUpstreamTargets(providers: UpstreamSettings, settings: ProxySettings): UpstreamTargets {
  const pools = new Map<string, Pool>();
  const targets = new Map<ProviderId, UpstreamTarget>();
  for (const id of PROVIDER_IDS) {
    const provider = PROVIDERS[id];
    const baseUrl = (providers[id]?.baseUrl ?? provider.defaultBaseUrl).replace(/\/+$/, '');
    const origin = new URL(baseUrl).origin;
    let pool = pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: settings.upstreamConnections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: settings.upstreamHeadersTimeoutMs,
        bodyTimeout: settings.upstreamBodyTimeoutMs,
        connect: { timeout: settings.upstreamConnectTimeoutMs },
      });
      pools.set(origin, pool);
    }
    targets.set(id, { provider, adapter: chatAdapterFor(provider.chat), baseUrl, origin, pool });
  }
  return {
    get(provider) {
      const target = targets.get(provider);
      if (target === undefined) throw new Error(`no upstream target for ${provider}`);
      return target;
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}

/**
 * The path (with query) of an adapter-built URL below the target's origin. Adapters build URLs by
 * appending to the base URL, so this is a slice; a URL that does not start with the origin string
 * (e.g. a base URL spelled with a default port) is parsed and must still be on the same origin.
 */
export function pathBelow(target: UpstreamTarget, url: string): string {
  if (url.startsWith(target.origin) && url.charCodeAt(target.origin.length) === 47 /* '/' */) return url.slice(target.origin.length);
  const parsed = new URL(url);
  if (parsed.origin !== target.origin) throw new Error(`adapter built a URL outside ${target.origin}`);
  return `${parsed.pathname}${parsed.search}`;
}
