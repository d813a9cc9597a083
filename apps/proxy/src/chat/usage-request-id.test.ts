import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { usageRequestId } from './usage-request-id.js';

const request = (id: string, header?: string) => ({ id, headers: header === undefined ? {} : { 'x-request-id': header } }) as unknown as FastifyRequest;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('usageRequestId', () => {
  it("keeps an id the server minted, including one that is all digits", () => {
    expect(usageRequestId(request('7c1e0f2a-req'))).toBe('7c1e0f2a-req');
    expect(usageRequestId(request('12345'))).toBe('12345');
  });

  it("replaces the client's own x-request-id, so repeating it cannot share one charge", () => {
    expect(usageRequestId(request('client-chosen', 'client-chosen'))).toMatch(UUID);
  });

  it('replaces an id that could collide with other ledger keys or overflow the event schema', () => {
    expect(usageRequestId(request('grant:abc'))).toMatch(UUID);
    expect(usageRequestId(request('x'.repeat(129)))).toMatch(UUID);
  });
});
