import type { ProviderId } from '@byok/providers';
import type { IndexedUserKey, KeySkipReason, UserKeyCandidate, UserKeyIndex } from './route-decision.types.js';

/** What a key's test results alone make of it for routing (see `keySkipReason`). */
export interface TestResultVerdict {
  /** Tested `invalid`: never chosen. */
  skipped: boolean;
  /** Its last validation said `no_credit`: still used, and the decision notes it. */
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
 * `no_credit` is used too (the account may have been topped up since); the decision notes it.
 */
export function keySkipReason(key: UserKeyCandidate): KeySkipReason | null {
  if (key.unusable !== undefined) return key.unusable;
  if (!key.enabled) return 'disabled';
  if (testResultVerdict(key).skipped) return 'invalid';
  return null;
}

/**
 * Groups the user's keys by provider, keeping their order (the priority order once a provider
 * may hold several keys), with each key's request-independent verdict worked out once.
 */
export function indexUserKeys(keys: ReadonlyArray<UserKeyCandidate>): UserKeyIndex {
  const byProvider = new Map<ProviderId, IndexedUserKey[]>();
  for (const key of keys) {
    const entry: IndexedUserKey = Object.freeze({
      key: Object.freeze({ ...key }),
      keyId: key.keyId,
      skip: keySkipReason(key),
      reportedNoCredit: testResultVerdict(key).reportedNoCredit,
    });
    const list = byProvider.get(key.provider);
    if (list === undefined) byProvider.set(key.provider, [entry]);
    else list.push(entry);
  }
  return Object.freeze({ kind: 'user-key-index', byProvider });
}

/** True for an index from `indexUserKeys` rather than a plain list of keys. */
export function isUserKeyIndex(keys: UserKeyIndex | ReadonlyArray<UserKeyCandidate>): keys is UserKeyIndex {
  return !Array.isArray(keys);
}
