import { type DetectedProvider, detectProvider, toOpenRouterModel } from '@byok/providers';

/** What routing needs to know about a model name, independent of the user. */
export interface ModelRouteInfo {
  readonly detected: DetectedProvider;
  /** The name to send to OpenRouter (`gpt-4o-mini` → `openai/gpt-4o-mini`; unknown slugs as is). */
  readonly openRouterModel: string;
}

/** Source of `ModelRouteInfo`; `createModelResolver` memoises, `uncachedModelResolver` does not. */
export interface ModelResolver {
  info(model: string): ModelRouteInfo;
}

/** Detection plus the OpenRouter name, computed from scratch. */
export function resolveModelInfo(model: string): ModelRouteInfo {
  const detected = detectProvider(model);
  return { detected, openRouterModel: toOpenRouterModel(detected.provider, model) };
}

/** Computes every time; the default for callers that decide rarely (tests, admin tools). */
export const uncachedModelResolver: ModelResolver = Object.freeze({ info: resolveModelInfo });

/** Options of `createModelResolver`. */
export interface ModelResolverOptions {
  /** Most model names remembered; the oldest is forgotten first. Default 10,000. */
  maxEntries?: number;
  /** Longer names are resolved but not remembered, so huge client strings cannot pin memory. Default 256. */
  maxModelLength?: number;
}

/**
 * A bounded memo of `resolveModelInfo`. Clients repeat a handful of model names, so the hot path
 * becomes one Map lookup; the model string is client-controlled, so the Map is bounded (oldest
 * inserted is dropped first, which is enough for a working set this small) and long names are
 * not stored.
 */
export function createModelResolver(options: ModelResolverOptions = {}): ModelResolver {
  const maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  const maxModelLength = options.maxModelLength ?? 256;
  const memo = new Map<string, ModelRouteInfo>();
  return {
    info(model) {
      const hit = memo.get(model);
      if (hit !== undefined) return hit;
      const info = Object.freeze(resolveModelInfo(model));
      if (model.length > maxModelLength) return info;
      if (memo.size >= maxEntries) {
        const oldest = memo.keys().next();
        if (oldest.done !== true) memo.delete(oldest.value);
      }
      memo.set(model, info);
      return info;
    },
  };
}
