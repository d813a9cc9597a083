import type { FastifyRequest } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { createWarmUpCaller } from './warm-up-caller.js';

const requestWith = (authorization: string | undefined) => ({ headers: authorization === undefined ? {} : { authorization } }) as FastifyRequest;

describe('the warm-up caller', () => {
  it("signs its own requests in until it ends, then sends the same header to the real sign-in", async () => {
    const real = vi.fn(() => Promise.reject(new Error('invalid_token')));
    const caller = createWarmUpCaller('byok-warm-up-http');
    const resolve = caller.admitting(real);
    const header = caller.authorization;
    expect(header).toMatch(/^Bearer warm-up\.[A-Za-z0-9_-]{43}$/);
    await expect(resolve(requestWith(header))).resolves.toMatchObject({ userId: 'byok-warm-up-http', isAdmin: false, roles: [] });
    expect(caller.isWarmUpRequest(requestWith(header))).toBe(true);
    expect(real).not.toHaveBeenCalled();

    caller.end();
    expect(caller.authorization).toBe('');
    await expect(resolve(requestWith(header))).rejects.toThrow('invalid_token');
    expect(caller.isWarmUpRequest(requestWith(header))).toBe(false);
    // An empty or absent header never matches the ended caller's empty value.
    expect(caller.isWarmUpRequest(requestWith(''))).toBe(false);
    expect(caller.isWarmUpRequest(requestWith(undefined))).toBe(false);
    await expect(resolve(requestWith(''))).rejects.toThrow('invalid_token');
  });

  it('leaves every other header to the real sign-in', async () => {
    const real = vi.fn(() => Promise.reject(new Error('invalid_token')));
    const caller = createWarmUpCaller('byok-warm-up-http');
    await expect(caller.admitting(real)(requestWith(`${caller.authorization}x`))).rejects.toThrow('invalid_token');
    expect(caller.isWarmUpRequest(requestWith(caller.authorization.toLowerCase()))).toBe(false);
    expect(createWarmUpCaller('a').authorization).not.toBe(caller.authorization);
  });
});
