import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhookBody } from './webhook-signature.js';

describe('webhook signatures', () => {
  it('are t=<whole seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the whole secret string>', () => {
    const secret = 'whsec_test-only-not-a-real-secret';
    const body = '{"id":"evt_1","type":"test"}';
    const expected = createHmac('sha256', secret).update(`1767225600.${body}`).digest('hex');
    expect(signWebhookBody(secret, body, 1767225600.987)).toBe(`t=1767225600,v1=${expected}`);
  });

  it('come from secrets that are whsec_ and 32 random bytes, never the same twice', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
