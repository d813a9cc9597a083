import { detectProvider, PROVIDER_IDS, PROVIDERS, type ProviderId } from '@byok/providers';
import {
  type CredentialSource,
  decideRoute,
  indexUserKeys,
  type KeyAvailability,
  keySkipReason,
  type ModelResolver,
  type OrgMemberKeys,
  orgKeySets,
  type PlatformFallback,
  type StoredUserKey,
  type SystemKeyAvailability,
  toUserKeyCandidate,
} from '@byok/routing';
import { isChatModelName, type KnownChatModels } from './chat-models.js';

/** One entry of `GET /v1/models`: OpenAI's model object plus the path the gateway would take. */
export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  byok: {
    /** Whose key serves it: the user's OpenRouter key, the user's provider key, or the platform's. */
    route: CredentialSource;
    /** The upstream that would be called. */
    provider: ProviderId;
    upstream_model: string;
    /** True when requests are paid in credits (platform key). */
    charged: boolean;
    /** Present (true) when the organization's key serves it (acting for an org). */
    org_key?: true;
  };
}

export interface ModelList {
  object: 'list';
  data: ModelEntry[];
}

/** The listing stops here; a provider's own model list is capped at 2,000 names already. */
const MAX_ENTRIES = 10_000;

/**
 * What the caller can reach and how, decided by the same rule as chat requests. Only concrete chat
 * models, never patterns: the chat models the user's usable keys were validated with
 * (`metadata.validation.models`, embedding and other non-chat models left out), plus the known
 * chat models (the price table's) of each provider reachable at all — through the user's
 * OpenRouter key (any model), the user's key for that provider, or a platform key (charged in
 * credits; shown whatever the balance, since the balance can change, and never when the user's
 * `platform_fallback` is `never`). Disabled, invalid and unknown-provider keys add nothing; a key
 * cooling down or resting after failures (`keyHealth`) gives way to the route that would be taken
 * instead. A model the list does not show may still be requested. Acting for an organization
 * (`options.org`), the org's keys count too, merged with `rows` (the member's) by its `member_keys`;
 * under `forbid` the member's rows add nothing.
 */
export function buildModelList(
  rows: readonly StoredUserKey[],
  systemKeys: SystemKeyAvailability,
  models: ModelResolver,
  known: KnownChatModels,
  options: { keyHealth?: KeyAvailability; platformFallback?: PlatformFallback; org?: { rows: readonly StoredUserKey[]; memberKeys: OrgMemberKeys } } = {},
): ModelList {
  const { org } = options;
  const candidates = toCandidates(org?.memberKeys === 'forbid' ? [] : rows);
  const orgCandidates = toCandidates(org?.rows ?? []);
  const memberIndex = indexUserKeys(candidates.map((c) => c.candidate));
  const userKeys = org === undefined ? memberIndex : orgKeySets(org.memberKeys, memberIndex, indexUserKeys(orgCandidates.map((c) => c.candidate), { org: true }));
  const usable = [...candidates, ...orgCandidates].filter((c) => keySkipReason(c.candidate) === null);
  const hasOpenRouterKey = usable.some((c) => c.candidate.provider === 'openrouter');

  // Keyed by lower case: a validated name (the provider's own spelling) wins over the table's.
  const names = new Map<string, string>();
  const add = (name: string): void => {
    const folded = name.toLowerCase();
    if (names.size < MAX_ENTRIES && !names.has(folded)) names.set(folded, name);
  };
  for (const { row, candidate } of usable) {
    for (const model of validatedModels(row)) add(routableName(candidate.provider, model));
  }
  for (const id of PROVIDER_IDS) {
    const platform = options.platformFallback !== 'never' && (systemKeys[id] === true || systemKeys.openrouter === true);
    const reachable = hasOpenRouterKey || platform || usable.some((c) => c.candidate.provider === id);
    if (reachable) for (const model of known[id]) add(routableName(id, model));
  }

  const data: ModelEntry[] = [];
  for (const name of names.values()) {
    const decision = decideRoute({ model: name, userKeys, systemKeys, creditBalanceMicro: 1, keyHealth: options.keyHealth, platformFallback: options.platformFallback }, models);
    if (decision.outcome !== 'routed') continue;
    const { chosen } = decision;
    data.push({
      id: name,
      object: 'model',
      created: 0,
      owned_by: detectedOwner(name) ?? chosen.provider,
      byok: {
        route: chosen.credentialSource,
        provider: chosen.provider,
        upstream_model: chosen.upstreamModel,
        charged: chosen.credentialSource === 'system',
        ...(chosen.orgKey === true ? { org_key: true as const } : {}),
      },
    });
  }
  data.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { object: 'list', data };
}

function toCandidates(rows: readonly StoredUserKey[]) {
  return rows.flatMap((row) => {
    const candidate = toUserKeyCandidate(row);
    return candidate === null ? [] : [{ row, candidate }];
  });
}

/** A validated name as a client would send it so that it routes to the provider it came from. */
function routableName(provider: ProviderId, model: string): string {
  const detected = detectProvider(model);
  if (detected.provider === provider) return model;
  return `${PROVIDERS[provider].explicitPrefixes[0] ?? `${provider}/`}${model}`;
}

function detectedOwner(name: string): ProviderId | undefined {
  const detected = detectProvider(name);
  return detected.provider === 'unknown' ? undefined : detected.provider;
}

function validatedModels(row: StoredUserKey): string[] {
  const validation = row.metadata?.validation;
  if (typeof validation !== 'object' || validation === null || !('models' in validation) || !Array.isArray(validation.models)) return [];
  return validation.models.filter((m): m is string => typeof m === 'string' && m.length <= 200 && isChatModelName(m));
}
