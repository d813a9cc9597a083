import { describe, expect, it } from 'vitest';
import { memberEventId } from './org-recipients.js';

describe('memberEventId', () => {
  const event = '7d0c1f7e-4c43-4a4e-9d49-0c1c4b0b7a11';

  it('is a UUID (version 8), the same for the same event and member, and another for another member or event', () => {
    const id = memberEventId(event, 'alice');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(memberEventId(event, 'alice')).toBe(id);
    expect(memberEventId(event, 'bob')).not.toBe(id);
    expect(memberEventId('0b6f4b8e-1b7e-4f0e-8d5b-3f1c2a9e4d10', 'alice')).not.toBe(id);
  });
});
