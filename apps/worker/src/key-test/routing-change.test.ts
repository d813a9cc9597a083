import { indexUserKeys, toUserKeyCandidate } from '@byok/routing';
import { describe, expect, it } from 'vitest';
import { changesRouting, type RoutingView } from './routing-change.js';

const STATUSES = ['untested', 'testing', 'valid', 'invalid', 'error'];
const OUTCOMES = [null, 'valid', 'invalid', 'no_credit', 'rate_limited', 'unreachable', 'undecryptable'];

/** What routing itself makes of a key in this state: its skip verdict and its no-credit note. */
function routingVerdict(view: RoutingView): unknown {
  const candidate = toUserKeyCandidate({
    id: 'key-1',
    provider: 'groq',
    apiKeyEncrypted: 'unused',
    enabled: true,
    testStatus: view.testStatus,
    metadata: view.validationOutcome === null ? {} : { validation: { outcome: view.validationOutcome } },
  });
  if (candidate === null) throw new Error('groq is a routed provider');
  const indexed = indexUserKeys([candidate]).byProvider.get('groq')?.[0];
  return { skip: indexed?.skip, reportedNoCredit: indexed?.reportedNoCredit };
}

describe('changesRouting', () => {
  const views: RoutingView[] = STATUSES.flatMap((testStatus) => OUTCOMES.map((validationOutcome) => ({ testStatus, validationOutcome })));

  it('is true exactly when routing (@byok/routing) would treat the key differently', () => {
    for (const before of views) {
      for (const after of views) {
        const differs = JSON.stringify(routingVerdict(before)) !== JSON.stringify(routingVerdict(after));
        expect({ before, after, changes: changesRouting(before, after) }).toEqual({ before, after, changes: differs });
      }
    }
  });

  it('announces a key turning invalid or running out of credit, not one confirmed valid', () => {
    expect(changesRouting({ testStatus: 'testing', validationOutcome: null }, { testStatus: 'invalid', validationOutcome: 'invalid' })).toBe(true);
    expect(changesRouting({ testStatus: 'valid', validationOutcome: 'valid' }, { testStatus: 'error', validationOutcome: 'no_credit' })).toBe(true);
    expect(changesRouting({ testStatus: 'testing', validationOutcome: null }, { testStatus: 'valid', validationOutcome: 'valid' })).toBe(false);
  });
});
