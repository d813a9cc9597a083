/**
 * The proxy's own tuning knobs. They are not in `@byok/config` (which every process shares) because
 * only the proxy reads them; each has a default that serves a single machine, and an environment
 * variable that overrides it. Parsed once at boot; a bad value fails start-up with the variable's
 * name, like the shared config does.
 */
export interface ProxySettings {
  /** Longest wait for an upstream's response headers (PROXY_UPSTREAM_HEADERS_TIMEOUT_MS, 60 s). */
  upstreamHeadersTimeoutMs: number;
  /** Longest silence between two chunks of an upstream body (PROXY_UPSTREAM_BODY_TIMEOUT_MS, 300 s). */
  upstreamBodyTimeoutMs: number;
  /** Longest wait for a TCP/TLS connection to an upstream (PROXY_UPSTREAM_CONNECT_TIMEOUT_MS, 10 s). */
  upstreamConnectTimeoutMs: number;
  /** Keep-alive connections per upstream origin (PROXY_UPSTREAM_CONNECTIONS, 256). */
  upstreamConnections: number;
  /** A JSON price table merged over the shipped one (PRICE_TABLE_FILE; unset = shipped prices only). */
  priceTableFile: string | undefined;
  /** Usage events held in memory while Redis is away (PROXY_USAGE_BUFFER_MAX, 10,000). */
  usageBufferMax: number;
  /** How long a gateway-token lookup is reused (PROXY_TOKEN_CACHE_TTL_MS, 10 s; at most 10 s). */
  tokenCacheTtlMs: number;
  /** How long a credit balance is reused (PROXY_BALANCE_CACHE_TTL_MS, 2 s). */
  balanceCacheTtlMs: number;
}

export const DEFAULT_PROXY_SETTINGS: Readonly<ProxySettings> = Object.freeze({
  upstreamHeadersTimeoutMs: 60_000,
  upstreamBodyTimeoutMs: 300_000,
  upstreamConnectTimeoutMs: 10_000,
  upstreamConnections: 256,
  priceTableFile: undefined,
  usageBufferMax: 10_000,
  tokenCacheTtlMs: 10_000,
  balanceCacheTtlMs: 2_000,
});

/** Revocation must reach every instance within this bound, whatever the environment says. */
export const MAX_TOKEN_CACHE_TTL_MS = 10_000;

interface IntVariable {
  name: string;
  field: Exclude<keyof ProxySettings, 'priceTableFile'>;
  min: number;
  max: number;
}

const INT_VARIABLES: readonly IntVariable[] = [
  { name: 'PROXY_UPSTREAM_HEADERS_TIMEOUT_MS', field: 'upstreamHeadersTimeoutMs', min: 100, max: 3_600_000 },
  { name: 'PROXY_UPSTREAM_BODY_TIMEOUT_MS', field: 'upstreamBodyTimeoutMs', min: 100, max: 3_600_000 },
  { name: 'PROXY_UPSTREAM_CONNECT_TIMEOUT_MS', field: 'upstreamConnectTimeoutMs', min: 100, max: 600_000 },
  { name: 'PROXY_UPSTREAM_CONNECTIONS', field: 'upstreamConnections', min: 1, max: 65_536 },
  { name: 'PROXY_USAGE_BUFFER_MAX', field: 'usageBufferMax', min: 1, max: 10_000_000 },
  { name: 'PROXY_TOKEN_CACHE_TTL_MS', field: 'tokenCacheTtlMs', min: 0, max: MAX_TOKEN_CACHE_TTL_MS },
  { name: 'PROXY_BALANCE_CACHE_TTL_MS', field: 'balanceCacheTtlMs', min: 0, max: 60_000 },
];

/** Every variable `readProxySettings` reads, for documentation and tests. */
export const PROXY_SETTING_VARIABLES: readonly string[] = [...INT_VARIABLES.map((v) => v.name), 'PRICE_TABLE_FILE'];

/** Reads the overrides from the environment; throws naming the first bad variable. */
export function readProxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const settings: ProxySettings = { ...DEFAULT_PROXY_SETTINGS };
  for (const variable of INT_VARIABLES) {
    const raw = env[variable.name]?.trim();
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < variable.min || value > variable.max) {
      throw new Error(`Invalid ${variable.name}: expected an integer from ${variable.min} to ${variable.max}, got "${raw.slice(0, 40)}"`);
    }
    settings[variable.field] = value;
  }
  const priceTableFile = env.PRICE_TABLE_FILE?.trim();
  if (priceTableFile) settings.priceTableFile = priceTableFile;
  return settings;
}
