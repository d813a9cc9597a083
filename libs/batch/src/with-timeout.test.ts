import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError, withTimeout } from './with-timeout.js';

describe('withTimeout', () => {
  afterEach(() => vi.useRealTimers());

  it('settles like the promise when it answers in time, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.resolve(7), 1000)).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('refused')), 1000)).rejects.toThrow('refused');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with a TimeoutError naming the wait when the promise is slower', async () => {
    vi.useFakeTimers();
    const slow = withTimeout(new Promise(() => undefined), 250);
    const settled = expect(slow).rejects.toMatchObject({ name: 'TimeoutError', timeoutMs: 250, message: 'timed out after 250 ms' });
    await vi.advanceTimersByTimeAsync(250);
    await settled;
    await expect(slow).rejects.toBeInstanceOf(TimeoutError);
  });
});
