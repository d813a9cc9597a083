import { describe, expect, it } from 'vitest';
import { DEFAULT_PROXY_SETTINGS, readProxySettings } from './proxy-settings.js';

describe('readProxySettings', () => {
  it('uses the defaults when nothing is set', () => {
    expect(readProxySettings({})).toEqual(DEFAULT_PROXY_SETTINGS);
    expect(DEFAULT_PROXY_SETTINGS).toMatchObject({ upstreamHeadersTimeoutMs: 60_000, upstreamBodyTimeoutMs: 300_000, usageBufferMax: 10_000, tokenCacheTtlMs: 10_000 });
  });

  it('reads the overrides', () => {
    expect(
      readProxySettings({ PROXY_UPSTREAM_HEADERS_TIMEOUT_MS: '1500', PROXY_UPSTREAM_CONNECTIONS: ' 64 ', PRICE_TABLE_FILE: '/etc/prices.json', PROXY_TOKEN_CACHE_TTL_MS: '0' }),
    ).toMatchObject({ upstreamHeadersTimeoutMs: 1500, upstreamConnections: 64, priceTableFile: '/etc/prices.json', tokenCacheTtlMs: 0 });
  });

  it('fails naming the variable for a bad value, and keeps the token cache within 10 s', () => {
    expect(() => readProxySettings({ PROXY_UPSTREAM_BODY_TIMEOUT_MS: 'soon' })).toThrow(/^Invalid PROXY_UPSTREAM_BODY_TIMEOUT_MS/);
    expect(() => readProxySettings({ PROXY_USAGE_BUFFER_MAX: '0' })).toThrow(/PROXY_USAGE_BUFFER_MAX/);
    expect(() => readProxySettings({ PROXY_TOKEN_CACHE_TTL_MS: '60000' })).toThrow(/PROXY_TOKEN_CACHE_TTL_MS: expected an integer from 0 to 10000/);
  });
});
