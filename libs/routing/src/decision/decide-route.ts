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
} from './route-decision.types.js';
import { creditsUnknownMessage, insufficientCreditsMessage, noKeyMessage, type SkippedUserKey, unknownModelMessage, withSkippedKeys } from './route-messages.js';
import { indexUserKeys, isUserKeyIndex } from './user-key-index.js';

/** Reason of a usable candidate that a candidate before it has made unnecessary. */
export const NOT_NEEDED = 'not_needed';

// The chosen-reason texts per provider are built once, so a request concatenates no strings.
const CHOSEN_USER_OPENROUTER = 'chosen: your OpenRouter key serves any model';
const CHOSEN_USER_PROVIDER = perProvider((id) => `chosen: your ${id} key`);
const CHOSEN_SYSTEM = perProvider((id) => `chosen: platform ${id} key, credits charged`);
const NO_CREDIT_SUFFIX = '; its last validation said no_credit';
const CHOSEN_USER_OPENROUTER_NO_CREDIT = CHOSEN_USER_OPENROUTER + NO_CREDIT_SUFFIX;
const CHOSEN_USER_PROVIDER_NO_CREDIT = perProvider((id) => CHOSEN_USER_PROVIDER[id] + NO_CREDIT_SUFFIX);

type CreditState = 'ok' | 'no_credits' | 'credits_unknown';

/**
 * The routing rule (DESIGN.md "Routing rule") as a pure function, returning every credential it
 * considered in order, each chosen, skipped (with the reason) or a usable fallback:
 *
 * 1. the user's usable OpenRouter key, for any model (model rewritten to OpenRouter's slug);
 * 2. else the user's usable key for the provider detected from the model (prefix stripped);
 * 3. else the platform key for that provider, then the platform OpenRouter key, if the credit
 *    balance is above zero (`insufficient_credits` otherwise).
 *
 * A model whose provider cannot be detected goes only through the user's OpenRouter key
 * (providers.md §9): the platform does not pay for a guess. Pass a `createModelResolver()` as
 * `models` on the hot path so detection is a Map lookup.
 */
export function decideRoute(input: RouteInput, models: ModelResolver = uncachedModelResolver): RouteDecision {
  const { detected, openRouterModel } = models.info(input.model);
  const byProvider = (isUserKeyIndex(input.userKeys) ? input.userKeys : indexUserKeys(input.userKeys)).byProvider;
  const candidates: RouteCandidate[] = [];

  let chosen = considerUserKeys(candidates, byProvider.get('openrouter'), 'user_openrouter', 'openrouter', openRouterModel, undefined);
  if (detected.provider === 'unknown') {
    if (chosen !== undefined) return { outcome: 'routed', chosen, candidates };
    return { outcome: 'no_route', message: withSkippedKeys(unknownModelMessage(input.model), undefined, skippedUserKeys(byProvider, ['openrouter'])), candidates };
  }

  const provider = detected.provider;
  if (provider !== 'openrouter') {
    chosen = considerUserKeys(candidates, byProvider.get(provider), 'user_provider', provider, detected.upstreamModel, chosen);
  }

  const credit = creditState(input.creditBalanceMicro);
  if (provider !== 'openrouter') {
    chosen = considerSystemKey(candidates, input.systemKeys, provider, detected.upstreamModel, credit, chosen);
  }
  chosen = considerSystemKey(candidates, input.systemKeys, 'openrouter', openRouterModel, credit, chosen);
  if (chosen !== undefined) return { outcome: 'routed', chosen, candidates };

  const skipped = skippedUserKeys(byProvider, provider === 'openrouter' ? ['openrouter'] : ['openrouter', provider]);
  const anySystemKey = input.systemKeys[provider] === true || input.systemKeys.openrouter === true;
  if (!anySystemKey) return { outcome: 'no_route', message: withSkippedKeys(noKeyMessage(provider), provider, skipped), candidates };
  const message = credit === 'credits_unknown' ? creditsUnknownMessage(provider) : insufficientCreditsMessage(provider);
  return { outcome: 'insufficient_credits', message: withSkippedKeys(message, provider, skipped), candidates };
}

/** The user's keys for these providers that can never be chosen (only read when no route was found). */
function skippedUserKeys(byProvider: ReadonlyMap<ProviderId, readonly IndexedUserKey[]>, providers: readonly ProviderId[]): SkippedUserKey[] {
  return providers.flatMap((id) =>
    (byProvider.get(id) ?? []).flatMap(({ key, skip }) => (skip === null ? [] : [{ provider: id, reason: skip, validationOutcome: key.validationOutcome }])),
  );
}

function creditState(balanceMicro: number | null): CreditState {
  if (balanceMicro === null) return 'credits_unknown';
  return balanceMicro > 0 ? 'ok' : 'no_credits';
}

/** Appends the user's keys for one provider (or a `no_key` row) and returns the chosen candidate so far. */
function considerUserKeys(
  out: RouteCandidate[],
  keys: readonly IndexedUserKey[] | undefined,
  source: CredentialSource,
  provider: ProviderId,
  upstreamModel: string,
  chosen: RouteCandidate | undefined,
): RouteCandidate | undefined {
  if (keys === undefined) {
    out.push(candidate(source, provider, undefined, upstreamModel, 'skipped', 'no_key'));
    return chosen;
  }
  let result = chosen;
  for (const { keyId, skip, reportedNoCredit } of keys) {
    if (skip !== null) {
      out.push(candidate(source, provider, keyId, upstreamModel, 'skipped', skip));
      continue;
    }
    const note = reportedNoCredit ? 'key_reported_no_credit' : undefined;
    if (result !== undefined) {
      out.push(candidate(source, provider, keyId, upstreamModel, 'fallback', NOT_NEEDED, note));
      continue;
    }
    result = candidate(source, provider, keyId, upstreamModel, 'chosen', chosenReason(source, provider, reportedNoCredit), note);
    out.push(result);
  }
  return result;
}

function chosenReason(source: CredentialSource, provider: ProviderId, reportedNoCredit: boolean): string {
  if (source === 'user_openrouter') return reportedNoCredit ? CHOSEN_USER_OPENROUTER_NO_CREDIT : CHOSEN_USER_OPENROUTER;
  return reportedNoCredit ? CHOSEN_USER_PROVIDER_NO_CREDIT[provider] : CHOSEN_USER_PROVIDER[provider];
}

/** Appends the platform key for one provider and returns the chosen candidate so far. */
function considerSystemKey(
  out: RouteCandidate[],
  systemKeys: SystemKeyAvailability,
  provider: ProviderId,
  upstreamModel: string,
  credit: CreditState,
  chosen: RouteCandidate | undefined,
): RouteCandidate | undefined {
  let reason: SkipReason | undefined;
  if (systemKeys[provider] !== true) reason = 'no_system_key';
  else if (chosen !== undefined) {
    // Credits are not checked for a key that is not needed.
    out.push(candidate('system', provider, undefined, upstreamModel, 'fallback', NOT_NEEDED));
    return chosen;
  } else if (credit !== 'ok') reason = credit;
  if (reason !== undefined) {
    out.push(candidate('system', provider, undefined, upstreamModel, 'skipped', reason));
    return chosen;
  }
  const result = candidate('system', provider, undefined, upstreamModel, 'chosen', CHOSEN_SYSTEM[provider]);
  out.push(result);
  return result;
}

// Every candidate has the same properties in the same order, so they share one object shape.
function candidate(
  credentialSource: CredentialSource,
  provider: ProviderId,
  keyId: string | undefined,
  upstreamModel: string,
  status: RouteCandidate['status'],
  reason: string,
  note?: RouteCandidate['note'],
): RouteCandidate {
  return { credentialSource, provider, keyId, upstreamModel, status, reason, note };
}

/**
 * True when the decision failed only because no credit balance was passed: a caller that loads
 * the balance lazily loads it and decides again.
 */
export function needsCreditBalance(decision: RouteDecision): boolean {
  return decision.outcome === 'insufficient_credits' && decision.candidates.some((c) => c.reason === 'credits_unknown');
}
