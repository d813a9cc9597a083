import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '@byok/providers';
import type { PriceTable, TokenPrice } from './price-table.js';

/** Prices requests from a price table; lookups are memoised, so pricing a request is a Map hit. */
export interface Pricer {
  /** The price that applies to `model` (as sent upstream) at `provider`. */
  priceOf(provider: ProviderId, model: string): TokenPrice;
  /** Cost in micro-USD (USD per million tokens × tokens), rounded up to a whole micro-dollar. */
  costMicro(provider: ProviderId, model: string, promptTokens: number, completionTokens: number): number;
}

/** Names longer than this are not memoised (a client could otherwise fill memory with junk names). */
const MAX_MEMO_NAME_CHARS = 200;
const MAX_MEMO_ENTRIES = 10_000;

interface ProviderPrices {
  exact: ReadonlyMap<string, TokenPrice>;
  /** Listed names, longest first, for prefix matching. */
  prefixes: ReadonlyArray<readonly [string, TokenPrice]>;
}

// OpenRouter slugs start with the vendor segment the registry records for each provider.
const PROVIDER_BY_VENDOR: ReadonlyMap<string, ProviderId> = new Map(
  PROVIDER_IDS.flatMap((id) => {
    const vendor = PROVIDERS[id].openRouterVendor;
    return vendor === undefined ? [] : [[vendor, id] as const];
  }),
);

export function createPricer(table: PriceTable): Pricer {
  const byProvider = new Map<ProviderId, ProviderPrices>(PROVIDER_IDS.map((id) => [id, indexProvider(table, id)]));
  // Per provider, then per model: no key string is built per request.
  const memo = new Map<ProviderId, Map<string, TokenPrice>>(PROVIDER_IDS.map((id) => [id, new Map()]));
  let memoised = 0;

  function listed(provider: ProviderId, name: string): TokenPrice | undefined {
    const prices = byProvider.get(provider);
    if (prices === undefined) return undefined;
    const exact = prices.exact.get(name);
    if (exact !== undefined) return exact;
    for (const [prefix, price] of prices.prefixes) if (name.startsWith(prefix)) return price;
    return undefined;
  }

  function lookup(provider: ProviderId, model: string): TokenPrice {
    const name = model.toLowerCase().replace(/^models\//, '');
    const own = listed(provider, name);
    if (own !== undefined) return own;
    if (provider === 'openrouter') {
      const slash = name.indexOf('/');
      const vendor = slash > 0 ? PROVIDER_BY_VENDOR.get(name.slice(0, slash)) : undefined;
      const viaVendor = vendor === undefined ? undefined : listed(vendor, name.slice(slash + 1).replace(/:[a-z]+$/, ''));
      if (viaVendor !== undefined) return viaVendor;
    }
    return table.defaults[provider];
  }

  function priceOf(provider: ProviderId, model: string): TokenPrice {
    const models = memo.get(provider);
    if (models === undefined || model.length > MAX_MEMO_NAME_CHARS) return lookup(provider, model);
    const known = models.get(model);
    if (known !== undefined) return known;
    const price = lookup(provider, model);
    if (memoised >= MAX_MEMO_ENTRIES) {
      for (const names of memo.values()) names.clear();
      memoised = 0;
    }
    models.set(model, price);
    memoised++;
    return price;
  }

  return {
    priceOf,
    costMicro(provider, model, promptTokens, completionTokens) {
      const price = priceOf(provider, model);
      const exact = promptTokens * price.inputUsdPerMillion + completionTokens * price.outputUsdPerMillion;
      // Rounded to a thousandth first, so binary float noise (0.15 × 4 = 0.6000000000000001)
      // does not turn into a whole extra micro-dollar.
      return Math.ceil(Math.round(exact * 1000) / 1000);
    },
  };
}

function indexProvider(table: PriceTable, id: ProviderId): ProviderPrices {
  const entries = Object.entries(table.models[id]).map(([name, price]) => [name.toLowerCase(), price] as const);
  return {
    exact: new Map(entries),
    prefixes: [...entries].sort((a, b) => b[0].length - a[0].length),
  };
}
