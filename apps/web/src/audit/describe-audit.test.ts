import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../api/types.js';
import { describeActor, describeAudit } from './describe-audit.js';

const ME = 'u-me';

function record(action: string, details: Record<string, unknown>, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return { id: '1', occurred_at: '2026-12-07T03:00:00Z', actor_id: ME, actor_type: 'user', action, subject_user_id: 'u-dev', provider: null, key_id: null, request_id: null, details, ...overrides };
}

describe('describeAudit', () => {
  it('names a key by provider, and by label unless it is the lone key’s default', () => {
    const groq = { provider: 'groq' };
    expect(describeAudit(record('key.created', { masked_key: 'gsk_****abcd', label: 'default' }, groq), ME)).toBe('Added the Groq key (gsk_****abcd)');
    expect(describeAudit(record('key.deleted', { label: 'work' }, groq), ME)).toBe('Deleted the Groq key “work”');
    expect(describeAudit(record('key.updated', { priority: { from: 1, to: 2 }, models: { from: null, to: ['gpt-*'] } }, groq), ME)).toBe('Changed the Groq key: priority, models');
  });

  it('tells what happened to an organization and its members, “you” for the reader', () => {
    expect(describeAudit(record('org.created', { name: 'Acme' }), ME)).toBe('Created the organization “Acme”');
    expect(describeAudit(record('org.updated', { member_keys: { from: 'prefer', to: 'forbid' } }), ME)).toBe('Changed the organization: member keys');
    expect(describeAudit(record('org.member_added', { role: 'admin' }), ME)).toBe('Added u-dev as an admin');
    expect(describeAudit(record('org.member_added', { role: 'member', source: 'claim' }, { subject_user_id: ME }), ME)).toBe(
      'Added you as a member, from the sign-in’s organization claim',
    );
    expect(describeAudit(record('org.member_role_changed', { role: { from: 'member', to: 'owner' } }), ME)).toBe('Changed the role of u-dev to an owner');
    expect(describeAudit(record('org.member_removed', { role: 'member', left: true }), ME)).toBe('u-dev left the organization');
    expect(describeAudit(record('org.member_removed', { role: 'member', left: false }), ME)).toBe('Removed u-dev from the organization');
  });

  it('reads an action it does not know as words', () => {
    expect(describeAudit(record('webhook.created', {}), ME)).toBe('webhook created');
  });
});

describe('describeActor', () => {
  it('says you, the acting user, an admin or the gateway itself', () => {
    expect(describeActor(record('key.created', {}), ME)).toBe('You');
    expect(describeActor(record('key.created', {}, { actor_id: 'u-bob' }), ME)).toBe('u-bob');
    expect(describeActor(record('key.disabled', {}, { actor_id: 'u-root', actor_type: 'admin' }), ME)).toBe('Admin u-root');
    expect(describeActor(record('key.tested', {}, { actor_id: 'system', actor_type: 'system' }), ME)).toBe('Automatic');
  });
});
