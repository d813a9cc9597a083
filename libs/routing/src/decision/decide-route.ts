import type { ProviderId } from '@byok/providers';
import { type ModelResolver, uncachedModelResolver } from './model-info.js';
import { perProvider } from './per-provider.js';
import type {
  CredentialSource,
  IndexedUserKey,
  RouteCandidate,
  RouteDecision,
  RouteInput,
  SkipReason,
  SystemKeyAvailability,
  TurnGroup,
  UserKeyIndex,
} from './route-decision.types.js';
import { byokOnlyMessage, creditsUnknownMessage, insufficientCreditsMessage, noKeyMessage, type SkippedUserKey, unknownModelMessage, withSkippedKeys } from './route-messages.js';
import { findIndexedKey, keyInTurn, keySetsOf } from './user-key-index.js';

/** Reason of a usable candidate that a candidate before it has made unnecessary. */
export const NOT_NEEDED = 'not_needed';

// The chosen-reason texts per provider are built once, so a request concatenates no strings.
const CHOSEN_USER_OPENROUTER = 'chosen: your OpenRouter key serves any model';
const CHOSEN_USER_PROVIDER = perProvider((id) => `chosen: your ${id} key`);
const CHOSEN_SYSTEM = perProvider((id) => `chosen: platform ${id} key, credits charged`);
const CHOSEN_ORG = perProvider((id) => `chosen: the organization's ${id} key`);
/** How receipts name an organization's missing keys for a provider. */
const ORG_NO_KEY = perProvider((id) => `org:${id}:`);

type CreditState = 'ok' | 'no_credits' | 'credits_unknown';

/** What one decision reads besides the key lists, gathered once per call. */
interface DecisionContext {
  /** The model as the client sent it, and as the provider's / OpenRouter's upstream names it. */
  requested: string;
  keyHealth: RouteInput['keyHealth'];
  turns: RouteInput['turns'];
  /** Usable user keys still worth listing (`maxUsable`). */
  usableLeft: number;
  /** When the first key skipped for a cool-down or an open circuit may be tried again (epoch ms). */
  retryAt: number | undefined;
}

/**
 * The routing rule (DESIGN.md "Routing rule") as a pure function, returning every credential it
 * considered in order, each chosen, skipped (with the reason) or a usable fallback (the proxy's
 * failover tries those in order):
 *
 * 1. the user's OpenRouter keys by priority, for any model (model rewritten to OpenRouter's slug);
 * 2. the user's keys for the provider detected from the model (prefix stripped), by priority;
 * 3. the platform key for that provider, then the platform OpenRouter key, if the credit balance
 *    is above zero (`insufficient_credits` otherwise) and the user allows it (`platformFallback`).
 *
 * A member acting for an organization passes `KeySets` (`orgKeySets`): steps 1 and 2 run for each
 * owner's keys in turn, before step 3. Keys of equal priority take turns (`turns`). A key is
 * skipped when disabled, invalid, undecryptable, its last validation said `no_credit`, cooling
 * down, its circuit open, outside its allow-list, or not among the models its last test listed,
 * also when nothing else can serve: then the answer says why, and, when a key is only resting
 * (cool-down, open circuit), when it may be tried again (`retryAt`). A model whose provider cannot be detected goes only through the user's
 * OpenRouter keys (providers.md §9): the platform does not pay for a guess. Pass a
 * `createModelResolver()` as `models` on the hot path so detection is a Map lookup.
 */
export function decideRoute(input: RouteInput, models: ModelResolver = uncachedModelResolver): RouteDecision {
  const { detected, openRouterModel } = models.info(input.model);
  const sets = keySetsOf(input.userKeys);
  const candidates: RouteCandidate[] = [];
  const context: DecisionContext = { requested: input.model, keyHealth: input.keyHealth, turns: input.turns, usableLeft: input.maxUsable ?? Number.POSITIVE_INFINITY, retryAt: undefined };

  let chosen: RouteCandidate | undefined;
  for (const set of sets) {
    chosen = considerUserKeys(candidates, context, set, 'user_openrouter', 'openrouter', openRouterModel, chosen);
    if (detected.provider !== 'unknown' && detected.provider !== 'openrouter') {
      chosen = considerUserKeys(candidates, context, set, 'user_provider', detected.provider, detected.upstreamModel, chosen);
    }
  }
  if (detected.provider === 'unknown') {
    if (chosen !== undefined) return { outcome: 'routed', chosen, candidates };
    return notRouted('no_route', withSkippedKeys(unknownModelMessage(input.model), undefined, skippedUserKeys(candidates, sets)), candidates, context);
  }

  const provider = detected.provider;

  const credit = creditState(input.creditBalanceMicro);
  const platform = input.platformFallback === 'never' ? 'never' : credit;
  if (provider !== 'openrouter') {
    chosen = considerSystemKey(candidates, input.systemKeys, provider, detected.upstreamModel, platform, chosen);
  }
  chosen = considerSystemKey(candidates, input.systemKeys, 'openrouter', openRouterModel, platform, chosen);
  if (chosen !== undefined) return { outcome: 'routed', chosen, candidates };

  const skipped = skippedUserKeys(candidates, sets);
  const anySystemKey = input.systemKeys[provider] === true || input.systemKeys.openrouter === true;
  if (!anySystemKey) return notRouted('no_route', withSkippedKeys(noKeyMessage(provider), provider, skipped), candidates, context);
  if (platform === 'never') return notRouted('no_route', withSkippedKeys(byokOnlyMessage(provider), provider, skipped), candidates, context);
  const message = credit === 'credits_unknown' ? creditsUnknownMessage(provider) : insufficientCreditsMessage(provider);
  return notRouted('insufficient_credits', withSkippedKeys(message, provider, skipped), candidates, context);
}

function notRouted(outcome: 'no_route' | 'insufficient_credits', message: string, candidates: RouteCandidate[], context: DecisionContext): RouteDecision {
  return context.retryAt === undefined ? { outcome, message, candidates } : { outcome, message, candidates, retryAt: context.retryAt };
}

/** The user's keys the decision skipped, with why (only read when no route was found). */
function skippedUserKeys(candidates: readonly RouteCandidate[], sets: readonly UserKeyIndex[]): SkippedUserKey[] {
  const out: SkippedUserKey[] = [];
  for (const c of candidates) {
    if (c.status !== 'skipped' || c.keyId === undefined || c.credentialSource === 'system') continue;
    const key = findIndexedKey(sets, c.provider, c.keyId)?.key;
    out.push({ provider: c.provider, reason: c.reason as SkippedUserKey['reason'], validationOutcome: key?.validationOutcome, label: c.label, org: c.orgKey });
  }
  return out;
}

function creditState(balanceMicro: number | null): CreditState {
  if (balanceMicro === null) return 'credits_unknown';
  return balanceMicro > 0 ? 'ok' : 'no_credits';
}

/** Appends one owner's keys for one provider (or a `no_key` row) and returns the chosen candidate so far. */
function considerUserKeys(
  out: RouteCandidate[],
  context: DecisionContext,
  set: UserKeyIndex,
  source: CredentialSource,
  provider: ProviderId,
  upstreamModel: string,
  chosen: RouteCandidate | undefined,
): RouteCandidate | undefined {
  const keys = set.byProvider.get(provider);
  if (keys === undefined) {
    out.push(candidate(source, provider, undefined, undefined, upstreamModel, 'skipped', 'no_key', set.org ? ORG_NO_KEY[provider] : undefined, set.org || undefined));
    return chosen;
  }
  let result = chosen;
  for (let position = 0; position < keys.length && context.usableLeft > 0; position++) {
    const indexed = keyInTurn(keys, position, context.turns);
    if (indexed === undefined) continue;
    const { keyId, receiptLabel, turnGroup } = indexed;
    const name = source === 'user_openrouter' ? indexed.receiptNames.user_openrouter : indexed.receiptNames.user_provider;
    const skip = indexed.skip ?? requestSkipReason(indexed, context, upstreamModel);
    const orgKey = indexed.key.orgKey;
    if (skip !== null) {
      out.push(candidate(source, provider, keyId, receiptLabel, upstreamModel, 'skipped', skip, name, orgKey, turnGroup));
      continue;
    }
    context.usableLeft -= 1;
    if (result !== undefined) {
      out.push(candidate(source, provider, keyId, receiptLabel, upstreamModel, 'fallback', NOT_NEEDED, name, orgKey, turnGroup));
      continue;
    }
    result = candidate(source, provider, keyId, receiptLabel, upstreamModel, 'chosen', chosenReason(source, provider, orgKey), name, orgKey, turnGroup);
    out.push(result);
  }
  return result;
}

/**
 * Why this usable key is not for this request, or null. A key resting after failures (cool-down,
 * open circuit) notes when it may be tried again.
 */
function requestSkipReason(indexed: IndexedUserKey, context: DecisionContext, upstreamModel: string): SkipReason | null {
  if (indexed.allows !== null && !indexed.allows(context.requested) && !indexed.allows(upstreamModel)) return 'model_not_allowed';
  // Skipped even when nothing else can serve (issue #14). Aliases of listed snapshots count as
  // listed (`compileListedModels`); a list older than a new model is refreshed by the key's next
  // test, which the answer names, where trying the key anyway spent an attempt on a likely 404.
  if (indexed.lists !== null && !indexed.lists(upstreamModel)) return 'model_unavailable';
  const blocked = context.keyHealth?.blocked(indexed.keyId);
  if (blocked != null) {
    if (blocked.untilMs !== undefined && (context.retryAt === undefined || blocked.untilMs < context.retryAt)) context.retryAt = blocked.untilMs;
    return blocked.reason;
  }
  return indexed.reportedNoCredit ? 'no_credit' : null;
}

function chosenReason(source: CredentialSource, provider: ProviderId, orgKey: boolean | undefined): string {
  if (orgKey === true) return CHOSEN_ORG[provider];
  return source === 'user_openrouter' ? CHOSEN_USER_OPENROUTER : CHOSEN_USER_PROVIDER[provider];
}

/** Appends the platform key for one provider and returns the chosen candidate so far. */
function considerSystemKey(
  out: RouteCandidate[],
  systemKeys: SystemKeyAvailability,
  provider: ProviderId,
  upstreamModel: string,
  platform: CreditState | 'never',
  chosen: RouteCandidate | undefined,
): RouteCandidate | undefined {
  let reason: SkipReason | undefined;
  if (systemKeys[provider] !== true) reason = 'no_system_key';
  else if (platform === 'never') reason = 'platform_fallback_never';
  else if (chosen !== undefined) {
    // Credits are not checked for a key that is not needed; failover checks them if it gets here.
    out.push(candidate('system', provider, undefined, undefined, upstreamModel, 'fallback', NOT_NEEDED));
    return chosen;
  } else if (platform !== 'ok') reason = platform;
  if (reason !== undefined) {
    out.push(candidate('system', provider, undefined, undefined, upstreamModel, 'skipped', reason));
    return chosen;
  }
  const result = candidate('system', provider, undefined, undefined, upstreamModel, 'chosen', CHOSEN_SYSTEM[provider]);
  out.push(result);
  return result;
}

// Every candidate has the same properties in the same order, so they share one object shape.
function candidate(
  credentialSource: CredentialSource,
  provider: ProviderId,
  keyId: string | undefined,
  label: string | undefined,
  upstreamModel: string,
  status: RouteCandidate['status'],
  reason: string,
  receiptName?: string,
  orgKey?: boolean,
  turnGroup?: TurnGroup,
): RouteCandidate {
  return { credentialSource, provider, keyId, label, upstreamModel, status, reason, answered: undefined, receiptName, orgKey, turnGroup };
}

/**
 * True when the decision failed only because no credit balance was passed: a caller that loads
 * the balance lazily loads it and decides again.
 */
export function needsCreditBalance(decision: RouteDecision): boolean {
  return decision.outcome === 'insufficient_credits' && decision.candidates.some((c) => c.reason === 'credits_unknown');
}
