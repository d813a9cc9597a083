import type { ProviderId } from '@byok/providers';
import { describe, expect, it } from 'vitest';
import { RunTurns } from '../cache/run-turns.js';
import { decideRoute } from './decide-route.js';
import { orgKeySets, type OrgMemberKeys } from './org-key-sets.js';
import { formatReceipt, receiptJson } from './receipt.js';
import type { SystemKeyAvailability, UserKeyCandidate } from './route-decision.types.js';
import { indexUserKeys } from './user-key-index.js';

function key(owner: 'member' | 'org', provider: ProviderId, overrides: Partial<UserKeyCandidate> = {}): UserKeyCandidate {
  return { provider, keyId: `${owner}-${provider}`, enabled: true, testStatus: 'valid', ...overrides };
}

const SYSTEM: SystemKeyAvailability = { openai: true, openrouter: true };

function decide(policy: OrgMemberKeys, member: UserKeyCandidate[], org: UserKeyCandidate[], model = 'gpt-4o-mini', platformFallback: 'allow' | 'never' = 'allow') {
  const userKeys = orgKeySets(policy, indexUserKeys(member), indexUserKeys(org, { org: true }));
  return decideRoute({ model, userKeys, systemKeys: SYSTEM, creditBalanceMicro: 1_000_000, platformFallback });
}

describe('orgKeySets: the member_keys policies', () => {
  it('prefer: the member’s keys first, then the org’s, each owner’s OpenRouter keys before its provider keys', () => {
    const decision = decide('prefer', [key('member', 'openai')], [key('org', 'openrouter'), key('org', 'openai', { label: 'team' })]);
    expect(decision.outcome === 'routed' && decision.chosen.keyId).toBe('member-openai');
    expect(formatReceipt(decision)).toBe(
      'user_openrouter:skipped=no_key; user_provider(openai/default):chosen; org:openrouter/default:not_needed; org:openai/team:not_needed; system(openai):not_needed; system(openrouter):not_needed',
    );
  });

  it('allow: the org’s keys first, then the member’s', () => {
    const decision = decide('allow', [key('member', 'openrouter')], [key('org', 'openai')]);
    expect(decision.outcome === 'routed' && decision.chosen.keyId).toBe('org-openai');
    expect(decision.outcome === 'routed' && decision.chosen.orgKey).toBe(true);
    expect(decision.outcome === 'routed' && decision.chosen.reason).toBe("chosen: the organization's openai key");
    expect(formatReceipt(decision)).toBe('org:openrouter:skipped=no_key; org:openai/default:chosen; user_openrouter(default):not_needed; user_provider(openai):skipped=no_key; system(openai):not_needed; system(openrouter):not_needed');
  });

  it('forbid: only the org’s keys, whatever the member holds', () => {
    const decision = decide('forbid', [key('member', 'openai')], [key('org', 'openai', { enabled: false })], 'gpt-4o-mini', 'never');
    expect(decision.outcome).toBe('no_route');
    expect(decision.candidates.some((c) => c.keyId === 'member-openai')).toBe(false);
    expect(formatReceipt(decision)).toBe('org:openrouter:skipped=no_key; org:openai/default:skipped=disabled; system(openai):skipped=platform_fallback_never; system(openrouter):skipped=platform_fallback_never');
  });

  it('falls back from the first owner’s unusable keys to the second owner’s', () => {
    const decision = decide('prefer', [key('member', 'openai', { testStatus: 'invalid' })], [key('org', 'openai')]);
    expect(decision.outcome === 'routed' && decision.chosen.keyId).toBe('org-openai');
  });

  it('a model without a detected provider goes through either owner’s OpenRouter keys only', () => {
    const decision = decide('prefer', [key('member', 'openai')], [key('org', 'openrouter')], 'meta-llama/llama-3.3-70b-instruct');
    expect(decision.outcome === 'routed' && decision.chosen.keyId).toBe('org-openrouter');
  });

  it('keeps an org key’s label header-safe and marks it in the JSON receipt', () => {
    const decision = decide('allow', [], [key('org', 'openai', { label: 'ops\r\nx-evil: 1' })]);
    const line = formatReceipt(decision);
    expect(line).toContain('org:openai/ops__x-evil_ 1:chosen');
    expect(line).not.toMatch(/[\r\n]/);
    expect(receiptJson(decision).candidates.find((c) => c.key_id === 'org-openai')).toMatchObject({ org_key: true });
    expect(receiptJson(decision).candidates.find((c) => c.source === 'system')).not.toHaveProperty('org_key', true);
  });

  it('takes turns between the org’s equal-priority keys', () => {
    const org = [key('org', 'openai', { keyId: 'a' }), key('org', 'openai', { keyId: 'b' })];
    const sets = orgKeySets('allow', indexUserKeys([]), indexUserKeys(org, { org: true }));
    const turns = new RunTurns();
    const chosen = [0, 1].map(() => {
      const d = decideRoute({ model: 'gpt-4o-mini', userKeys: sets, systemKeys: {}, creditBalanceMicro: null, turns });
      if (d.outcome !== 'routed' || d.chosen.turnGroup === undefined) return undefined;
      turns.advance(d.chosen.turnGroup);
      return d.chosen.keyId;
    });
    expect(chosen).toEqual(['a', 'b']);
  });
});

describe('no route for a member acting for an org', () => {
  it('says what is wrong with the org’s keys and who can fix it, apart from the member’s own', () => {
    const decision = decide('prefer', [key('member', 'openai', { enabled: false })], [key('org', 'openai', { label: 'team', testStatus: 'invalid' })], 'gpt-4o-mini', 'never');
    expect(decision.outcome).toBe('no_route');
    const message = decision.outcome === 'no_route' ? decision.message : '';
    expect(message).toContain('your OpenAI key is disabled');
    expect(message).toContain('the organization\'s OpenAI key "team" was rejected by the provider at its last test (ask an owner or admin of the organization)');
  });
});
