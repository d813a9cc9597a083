import type { ProviderId } from '@byok/providers';
import { compileAllowList } from './model-allow-list.js';
import type { IndexedUserKey, KeySkipReason, UserKeyCandidate, UserKeyIndex } from './route-decision.types.js';

/** The label of a key saved without one; receipts name it by its provider alone. */
export const DEFAULT_LABEL = 'default';

/** What a key's test results alone make of it for routing (see `keySkipReason`). */
export interface TestResultVerdict {
  /** Tested `invalid`: never chosen. */
  skipped: boolean;
  /** Its last validation said `no_credit`: used only when nothing else can serve, and the decision notes it. */
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
 * `no_credit` is not skipped here: it is tried when nothing else can serve (the account may have
 * been topped up since), which depends on the request.
 */
export function keySkipReason(key: UserKeyCandidate): KeySkipReason | null {
  if (key.unusable !== undefined) return key.unusable;
  if (!key.enabled) return 'disabled';
  if (testResultVerdict(key).skipped) return 'invalid';
  return null;
}

/**
 * Groups the user's keys by provider in priority order (a stable sort: keys of equal priority keep
 * their given order), with each key's request-independent verdict and allow-list worked out once.
 */
export function indexUserKeys(keys: ReadonlyArray<UserKeyCandidate>): UserKeyIndex {
  const byProvider = new Map<ProviderId, IndexedUserKey[]>();
  for (const key of keys) {
    const label = key.label ?? DEFAULT_LABEL;
    const entry: IndexedUserKey = Object.freeze({
      key: Object.freeze({ ...key }),
      keyId: key.keyId,
      skip: keySkipReason(key),
      reportedNoCredit: testResultVerdict(key).reportedNoCredit,
      priority: key.priority ?? 1,
      receiptLabel: label.toLowerCase() === DEFAULT_LABEL ? undefined : label,
      allows: key.models === undefined || key.models === null ? null : compileAllowList(key.models),
    });
    const list = byProvider.get(key.provider);
    if (list === undefined) byProvider.set(key.provider, [entry]);
    else list.push(entry);
  }
  const sharedPriority = new Set<ProviderId>();
  for (const [provider, list] of byProvider) {
    list.sort((a, b) => a.priority - b.priority);
    if (list.some((k, i) => i > 0 && list[i - 1]?.priority === k.priority)) sharedPriority.add(provider);
  }
  return Object.freeze({ kind: 'user-key-index', byProvider, sharedPriority });
}

/**
 * The keys in the order this request tries them: priority order, each run of equal priority
 * rotated by `turn` so that such keys take turns. Returns `keys` itself when nothing rotates.
 */
export function keysInTurn(keys: readonly IndexedUserKey[], turn: number | undefined, shared: boolean): readonly IndexedUserKey[] {
  if (!shared || turn === undefined) return keys;
  const out: IndexedUserKey[] = [];
  let start = 0;
  while (start < keys.length) {
    let end = start + 1;
    while (end < keys.length && keys[end]?.priority === keys[start]?.priority) end++;
    const size = end - start;
    const offset = turn % size;
    for (let i = 0; i < size; i++) {
      const key = keys[start + ((i + offset) % size)];
      if (key !== undefined) out.push(key);
    }
    start = end;
  }
  return out;
}

/** True for an index from `indexUserKeys` rather than a plain list of keys. */
export function isUserKeyIndex(keys: UserKeyIndex | ReadonlyArray<UserKeyCandidate>): keys is UserKeyIndex {
  return !Array.isArray(keys);
}
