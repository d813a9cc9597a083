import type { ProviderId } from '@byok/providers';
import { compileAllowList } from './model-allow-list.js';
import { compileListedModels } from './model-family.js';
import { labelledReceiptName, orgReceiptName } from './receipt-names.js';
import type { IndexedUserKey, KeySets, KeySkipReason, TurnCounters, TurnGroup, UserKeyCandidate, UserKeyIndex } from './route-decision.types.js';

/** The label of a key saved without one. */
export const DEFAULT_LABEL = 'default';

/** What a key's test results alone make of it for routing (see `keySkipReason`). */
export interface TestResultVerdict {
  /** Tested `invalid`: never chosen. */
  skipped: boolean;
  /** Its last validation said `no_credit`: skipped for every request until a test says otherwise. */
  reportedNoCredit: boolean;
}

/**
 * The routing rule for test results, on its own so that the worker, which writes them, can tell
 * whether a result changes routing and must be announced to every proxy at once.
 */
export function testResultVerdict(result: { testStatus: string; validationOutcome?: string | null | undefined }): TestResultVerdict {
  return { skipped: result.testStatus === 'invalid', reportedNoCredit: result.validationOutcome === 'no_credit' };
}

/**
 * Why a key can never be chosen, whatever the request. Disabled and invalid keys are skipped.
 * `untested`, `testing` and `error` keys are used: a new key should work at once, and an error
 * is usually a transient failure of the check, not of the key. A key whose last validation said
 * `no_credit` is skipped per request (`no_credit`), after its allow-list and model list, so the
 * receipt names the reason a request meets first.
 */
export function keySkipReason(key: UserKeyCandidate): KeySkipReason | null {
  if (key.unusable !== undefined) return key.unusable;
  if (!key.enabled) return 'disabled';
  if (testResultVerdict(key).skipped) return 'invalid';
  return null;
}

/**
 * Groups the user's keys by provider in priority order (a stable sort: keys of equal priority keep
 * their given order), with each key's request-independent verdict, allow-list and run of equal
 * priority (`TurnGroup`) worked out once. `org`: these are an organization's keys (each marked
 * `orgKey`, named `org:<provider>/<label>` in receipts).
 */
export function indexUserKeys(keys: ReadonlyArray<UserKeyCandidate>, options: { org?: boolean } = {}): UserKeyIndex {
  const org = options.org === true;
  const grouped = new Map<ProviderId, UserKeyCandidate[]>();
  for (const key of keys) {
    const list = grouped.get(key.provider);
    if (list === undefined) grouped.set(key.provider, [key]);
    else list.push(key);
  }
  const byProvider = new Map<ProviderId, IndexedUserKey[]>();
  for (const [provider, list] of grouped) {
    list.sort((a, b) => (a.priority ?? 1) - (b.priority ?? 1));
    const entries: IndexedUserKey[] = [];
    let group: TurnGroup | undefined;
    for (let i = 0; i < list.length; i++) {
      const key = list[i] as UserKeyCandidate;
      const priority = key.priority ?? 1;
      if (group === undefined || i >= group.start + group.size) {
        let end = i + 1;
        while (end < list.length && (list[end]?.priority ?? 1) === priority) end++;
        group = Object.freeze({ start: i, size: end - i });
      }
      entries.push(indexKey(org ? { ...key, orgKey: true } : key, group.size > 1 ? group : undefined));
    }
    byProvider.set(provider, entries);
  }
  return Object.freeze({ kind: 'user-key-index', byProvider, org });
}

function indexKey(key: UserKeyCandidate, turnGroup: TurnGroup | undefined): IndexedUserKey {
  const label = key.label ?? DEFAULT_LABEL;
  const isDefault = label.toLowerCase() === DEFAULT_LABEL;
  const orgName = key.orgKey === true ? orgReceiptName(key.provider, label) : undefined;
  return Object.freeze({
    key: Object.freeze({ ...key }),
    keyId: key.keyId,
    skip: keySkipReason(key),
    reportedNoCredit: testResultVerdict(key).reportedNoCredit,
    priority: key.priority ?? 1,
    receiptLabel: isDefault ? undefined : label,
    // The default key too is named by its label (`openai/default`), in one spelling whatever its case.
    receiptNames: orgName !== undefined
      ? Object.freeze({ user_openrouter: orgName, user_provider: orgName })
      : Object.freeze({
          user_openrouter: labelledReceiptName('user_openrouter', key.provider, isDefault ? DEFAULT_LABEL : label),
          user_provider: labelledReceiptName('user_provider', key.provider, isDefault ? DEFAULT_LABEL : label),
        }),
    allows: key.models === undefined || key.models === null ? null : compileAllowList(key.models),
    lists: key.reachableModels === undefined ? null : compileListedModels(key.reachableModels),
    turnGroup,
  });
}

/**
 * The key tried in place `position` of a provider's list: priority order, each run of equal
 * priority rotated by its own turn (`turns`), so that its keys take turns whatever other runs,
 * providers or owners do. No allocation: the proxy calls it per key per request.
 */
export function keyInTurn(keys: readonly IndexedUserKey[], position: number, turns: TurnCounters | undefined): IndexedUserKey | undefined {
  const here = keys[position];
  const group = here?.turnGroup;
  if (group === undefined || turns === undefined) return here;
  return keys[group.start + ((position - group.start + turns.of(group)) % group.size)];
}

/** True for an index from `indexUserKeys` rather than a plain list of keys or several indexes. */
export function isUserKeyIndex(keys: UserKeyIndex | KeySets | ReadonlyArray<UserKeyCandidate>): keys is UserKeyIndex {
  return !Array.isArray(keys) && (keys as UserKeyIndex | KeySets).kind === 'user-key-index';
}

/** The indexes a decision walks, in order: one for a single owner's keys. */
export function keySetsOf(keys: UserKeyIndex | KeySets | ReadonlyArray<UserKeyCandidate>): readonly UserKeyIndex[] {
  if (Array.isArray(keys)) return [indexUserKeys(keys)];
  const indexed = keys as UserKeyIndex | KeySets;
  return indexed.kind === 'key-sets' ? indexed.sets : [indexed];
}

/** One key by provider and id among the indexes (`keySetsOf`), or undefined. */
export function findIndexedKey(sets: readonly UserKeyIndex[], provider: ProviderId, keyId: string): IndexedUserKey | undefined {
  for (const set of sets) {
    const found = set.byProvider.get(provider)?.find((k) => k.keyId === keyId);
    if (found !== undefined) return found;
  }
  return undefined;
}
