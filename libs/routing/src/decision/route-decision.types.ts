import type { ProviderId } from '@byok/providers';

/** A stored key's test state, as the key API and worker write it (`untested` for anything unknown). */
export type KeyTestStatus = 'untested' | 'testing' | 'valid' | 'invalid' | 'error';

/**
 * Why a key the user holds cannot be used at all. `undecryptable` is set by the route cache when
 * the stored token does not open with the configured encryption keys.
 */
export type UnusableReason = 'undecryptable';

/**
 * One of the user's keys as routing sees it: never the key itself, only what the rule needs.
 * `validationOutcome` is the last validation's outcome (`metadata.validation.outcome`), if any.
 */
export interface UserKeyCandidate {
  provider: ProviderId;
  keyId: string;
  enabled: boolean;
  testStatus: KeyTestStatus;
  /** The stored key's version, when known: the proxy names it when it asks for a re-validation. */
  keyVersion?: number;
  validationOutcome?: string;
  unusable?: UnusableReason;
  /** Names the key among the user's keys for the provider; absent means `default`. */
  label?: string;
  /** 1–100, lower goes first; absent means 1. Keys of equal priority take turns. */
  priority?: number;
  /** Model names or `*` globs the user allows this key for; absent or null: any model. */
  models?: readonly string[] | null;
  /**
   * The models the key's last test listed (complete lists only); absent when unknown. A model of
   * no listed family (`modelFamily`: the name without its version) is skipped as `model_unavailable`.
   */
  reachableModels?: ReadonlySet<string>;
  /**
   * One of an organization's keys (owner `org:<org id>`), which a member acting for the org may
   * use but never see. Receipts name it `org:<provider>/<label>`.
   */
  orgKey?: boolean;
}

/**
 * Why a key is not to be tried right now (a cool-down or an open circuit, see `@byok/key-health`),
 * and until when (epoch ms) when known.
 */
export interface KeyAvailability {
  blocked(keyId: string): { reason: 'cooling_down' | 'circuit_open'; untilMs?: number } | null;
}

/** Whether the platform's keys, charged in credits, may serve what no key of the user's can. */
export type PlatformFallback = 'allow' | 'never';

/** Which providers have a platform (system) key configured. Never the key itself. */
export type SystemKeyAvailability = Readonly<Partial<Record<ProviderId, true>>>;

/** The user's keys, grouped by provider once (in the route cache) so a request does not scan them. */
export interface UserKeyIndex {
  readonly kind: 'user-key-index';
  /** Keys per provider in priority order; a provider without keys has no entry. */
  readonly byProvider: ReadonlyMap<ProviderId, readonly IndexedUserKey[]>;
  /** True for an organization's keys: its `no_key` rows are named `org:<provider>`. */
  readonly org: boolean;
}

/**
 * Several owners' keys considered one owner after the other (a member acting for an organization:
 * the member's and the org's keys in the order of the org's `member_keys`, see `orgKeySets`).
 */
export interface KeySets {
  readonly kind: 'key-sets';
  readonly sets: readonly UserKeyIndex[];
}

/**
 * A run of two or more keys of one owner and one provider sharing a priority: its keys take
 * turns. One frozen object per run, built with the owner's index; its identity keys the run's
 * turn counter (`TurnCounters`).
 */
export interface TurnGroup {
  /** Where the run starts in the provider's list, and how many keys it holds. */
  readonly start: number;
  readonly size: number;
}

/** How far each run of equal-priority keys has turned: the key at `start + turn` goes first. */
export interface TurnCounters {
  of(group: TurnGroup): number;
}

/** A user key with the part of its verdict that does not depend on the request. */
export interface IndexedUserKey {
  readonly key: UserKeyCandidate;
  /** `key.keyId`, copied so the decision reads one object per key. */
  readonly keyId: string;
  /** Why it can never be chosen, or null when it is usable. */
  readonly skip: KeySkipReason | null;
  /** True when its last validation said `no_credit`: skipped as `no_credit` until a test says otherwise. */
  readonly reportedNoCredit: boolean;
  readonly priority: number;
  /** The key's label when it is not `default` (messages name a default key by its provider alone). */
  readonly receiptLabel: string | undefined;
  /** The key's receipt names, header-safe, built once (`user_openrouter(work):`, `user_provider(openai/default):`). */
  readonly receiptNames: { readonly user_openrouter: string; readonly user_provider: string };
  /** Tests the model against the key's allow-list; null when the key takes any model. */
  readonly allows: ((model: string) => boolean) | null;
  /** Tests the upstream model against the models the key's last test listed (`reachableModels`, families included); null when unknown. */
  readonly lists: ((model: string) => boolean) | null;
  /** The run of keys sharing its priority, which take turns; undefined when its priority is its own. */
  readonly turnGroup: TurnGroup | undefined;
}

/** Everything one routing decision depends on. */
export interface RouteInput {
  /** The model exactly as the client sent it. */
  model: string;
  /** The user's keys: an index built once per user, several owners' indexes in order, or a plain list (indexed on each call). */
  userKeys: UserKeyIndex | KeySets | ReadonlyArray<UserKeyCandidate>;
  systemKeys: SystemKeyAvailability;
  /** Credit balance in micro-units; null when not known (a system key then is not used). */
  creditBalanceMicro: number | null;
  /** Cool-downs and open circuits; absent: every key is available. */
  keyHealth?: KeyAvailability | undefined;
  /** `never`: platform keys are skipped (`platform_fallback_never`). Default `allow`. */
  platformFallback?: PlatformFallback | undefined;
  /**
   * Which of several equal-priority keys goes first, per run (`Routes.turns`); absent: the first
   * in the stored order.
   */
  turns?: TurnCounters | undefined;
  /**
   * Usable candidates worth listing (the proxy's attempt budget): once this many are found, the
   * user's remaining keys of that provider are not examined, since this request would never try
   * them. Default: all.
   */
  maxUsable?: number | undefined;
}

/** Whose key a candidate would use. */
export type CredentialSource = 'user_openrouter' | 'user_provider' | 'system';

/**
 * `chosen`: the request goes this way. `skipped`: cannot be used (see the reason).
 * `fallback`: usable, but a candidate before it was chosen (failover may use it later).
 * `failed`: tried, and the attempt failed over to the next (set by the proxy; reason = outcome).
 */
export type CandidateStatus = 'chosen' | 'skipped' | 'fallback' | 'failed';

/** Why a user key can never be chosen. */
export type KeySkipReason = 'disabled' | 'invalid' | UnusableReason;

/**
 * Reason codes of skipped candidates: the key's own state, no key at all, no platform key, or the
 * credit check (`no_credits`: balance ≤ 0; `credits_unknown`: balance not supplied).
 */
export type SkipReason = KeySkipReason | RequestSkipReason | 'no_key' | 'no_system_key' | 'no_credits' | 'credits_unknown' | 'platform_fallback_never';

/**
 * Why a usable key is not tried for this request: its last validation said `no_credit`, its
 * cool-down or open circuit, its allow-list, or the model list of its last test, or a budget that
 * applies to it is exhausted (`budget_exceeded`, set by the proxy; the receipt names the budget:
 * `skipped=budget_exceeded(budget <id>)`). Each holds whether or not anything else can serve.
 */
export type RequestSkipReason = 'no_credit' | 'cooling_down' | 'circuit_open' | 'model_not_allowed' | 'model_unavailable' | 'budget_exceeded';

/**
 * One credential the rule considered, in the order the rule considers them. `reason` is a code
 * for `skipped` (a `SkipReason`) and `fallback` (`not_needed`), and `chosen: <words>` for `chosen`.
 */
export interface RouteCandidate {
  credentialSource: CredentialSource;
  provider: ProviderId;
  /** The user's key id; absent for `no_key` rows and for system keys. */
  keyId?: string;
  /** The key's label when it is not `default`, for receipts. */
  label?: string;
  /** How receipts name a labelled key, header-safe, when routing built it (else made from `label`). */
  receiptName?: string;
  /** The model name as this candidate's upstream expects it. */
  upstreamModel: string;
  status: CandidateStatus;
  reason: string;
  /**
   * What the chosen candidate's attempt got (set by the proxy): the upstream's status (`200`,
   * `429`), or `timeout` / `unreachable` when none came. Receipts show it as `chosen=200`.
   */
  answered?: string | undefined;
  /** True when the key is an organization's (`UserKeyCandidate.orgKey`). */
  orgKey?: boolean | undefined;
  /** The key's run of equal-priority keys, whose turn moves when the key is tried (`TurnCounters`). */
  turnGroup?: TurnGroup | undefined;
}

/**
 * The result of the routing rule: the chosen candidate, or why none could be chosen, and, when a
 * key of the caller's was skipped only because it rests after failures (cool-down, open circuit),
 * `retryAt`: the soonest such key's end of rest (epoch ms).
 */
export type RouteDecision =
  | { outcome: 'routed'; chosen: RouteCandidate; candidates: RouteCandidate[] }
  | { outcome: 'no_route' | 'insufficient_credits'; message: string; candidates: RouteCandidate[]; retryAt?: number };
