import type { Budget } from '@byok/budgets';
import { describe, expect, it } from 'vitest';
import { applyingBudgets, budgetOwners } from './applying-budgets.js';

const b = (id: string, ownerId: string, scope: Budget['scope'], scopeId: string | null): Budget => ({ id, ownerId, scope, scopeId, period: 'day', timeZone: 'UTC', limits: { requests: 1 }, thresholds: [], action: 'block' });
const budgets = [
  b('user', 'u1', 'user', null),
  b('provider-openai', 'u1', 'provider', 'openai'),
  b('provider-anthropic', 'u1', 'provider', 'anthropic'),
  b('key-1', 'u1', 'key', 'k1'),
  b('org', 'org:o1', 'org', 'o1'),
  b('member-u1', 'org:o1', 'org_member', 'o1/u1'),
  b('member-u2', 'org:o1', 'org_member', 'o1/u2'),
  b('org-key', 'org:o1', 'key', 'k9'),
];
const ids = (list: Budget[]) => list.map((x) => x.id);

describe('applyingBudgets (the record\'s rule)', () => {
  it('a request for the user counts on user, its provider and its key budgets', () => {
    expect(ids(applyingBudgets(budgets, { userId: 'u1' }, { provider: 'openai', keyId: 'k1' }))).toEqual(['user', 'provider-openai', 'key-1']);
    expect(ids(applyingBudgets(budgets, { userId: 'u1' }, { provider: 'openai', keyId: undefined }))).toEqual(['user', 'provider-openai']);
  });

  it('a request made for an org counts on the org, the member, and the org key, never on the user\'s own', () => {
    expect(ids(applyingBudgets(budgets, { userId: 'u1', orgId: 'o1' }, { provider: 'openai', keyId: 'k9' }))).toEqual(['org', 'member-u1', 'org-key']);
  });

  it('names the owners: the user, and org:<id> when acting for an org', () => {
    expect(budgetOwners({ userId: 'u1' })).toEqual(['u1']);
    expect(budgetOwners({ userId: 'u1', orgId: 'o1' })).toEqual(['u1', 'org:o1']);
  });
});
