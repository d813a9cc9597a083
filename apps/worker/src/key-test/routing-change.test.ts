import { describe, expect, it } from 'vitest';
import { changesRouting } from './routing-change.js';

describe('changesRouting', () => {
  it('announces a key turning invalid or running out of credit, not one confirmed valid', () => {
    expect(changesRouting({ testStatus: 'testing', validationOutcome: null }, { testStatus: 'invalid', validationOutcome: 'invalid' })).toBe(true);
    expect(changesRouting({ testStatus: 'valid', validationOutcome: 'valid' }, { testStatus: 'error', validationOutcome: 'no_credit' })).toBe(true);
    expect(changesRouting({ testStatus: 'testing', validationOutcome: null }, { testStatus: 'valid', validationOutcome: 'valid' })).toBe(false);
  });

  it('announces an invalid key put back in use by a manual re-test, not a transient error', () => {
    expect(changesRouting({ testStatus: 'invalid', validationOutcome: 'invalid' }, { testStatus: 'testing', validationOutcome: 'invalid' })).toBe(true);
    expect(changesRouting({ testStatus: 'valid', validationOutcome: 'valid' }, { testStatus: 'error', validationOutcome: 'unreachable' })).toBe(false);
  });
});
