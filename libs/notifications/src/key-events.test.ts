import { describe, expect, it } from 'vitest';
import { keyEventDraft, verdictEventType } from './key-events.js';

describe('key events', () => {
  it('follow a verdict only when it changes what the owner should know', () => {
    expect(verdictEventType('valid', 'invalid')).toBe('key_invalid');
    expect(verdictEventType(null, 'invalid')).toBe('key_invalid');
    expect(verdictEventType('invalid', 'invalid')).toBeNull();
    expect(verdictEventType('valid', 'no_credit')).toBe('key_no_credit');
    expect(verdictEventType('invalid', 'no_credit')).toBe('key_no_credit');
    expect(verdictEventType('no_credit', 'no_credit')).toBeNull();
    expect(verdictEventType('invalid', 'valid')).toBe('key_recovered');
    expect(verdictEventType('no_credit', 'valid')).toBe('key_recovered');
    expect(verdictEventType('valid', 'valid')).toBeNull();
    expect(verdictEventType(null, 'valid')).toBeNull();
    // A provider outage or rate limit says nothing about the key itself.
    expect(verdictEventType('valid', 'provider_error')).toBeNull();
    expect(verdictEventType('invalid', 'rate_limited')).toBeNull();
  });

  it('name the key by provider and label, link to its row, and say what to do', () => {
    const draft = keyEventDraft('key_no_credit', { keyId: '7d0c1f7e-4c43-4a4e-9d49-0c1c4b0b7a11', userId: 'u1', provider: 'groq', label: null });
    expect(draft).toMatchObject({
      type: 'key_no_credit',
      userId: 'u1',
      subject: { kind: 'key', keyId: '7d0c1f7e-4c43-4a4e-9d49-0c1c4b0b7a11', provider: 'groq', label: '' },
      title: 'groq key is out of credit',
      link: '/account/api-keys#key-7d0c1f7e-4c43-4a4e-9d49-0c1c4b0b7a11',
      action: "Add credit in the provider's billing page, then test the key again.",
    });
  });

  it("link an organization's key to its row on the organization's keys tab", () => {
    const org = '0b6f4b8e-1b7e-4f0e-8d5b-3f1c2a9e4d10';
    const draft = keyEventDraft('key_invalid', { keyId: '7d0c1f7e-4c43-4a4e-9d49-0c1c4b0b7a11', userId: `org:${org}`, provider: 'openai', label: 'shared' });
    expect(draft.link).toBe(`/account/orgs/${org}/keys#key-7d0c1f7e-4c43-4a4e-9d49-0c1c4b0b7a11`);
  });
});
