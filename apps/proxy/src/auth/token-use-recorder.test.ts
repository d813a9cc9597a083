import { describe, expect, it } from 'vitest';
import { createTokenUseRecorder } from './token-use-recorder.js';

describe('createTokenUseRecorder', () => {
  it('touches a token at most once per interval, and again after it', () => {
    let now = 0;
    const touched: string[] = [];
    const recorder = createTokenUseRecorder({ touch: async (id) => void touched.push(id), onError: () => undefined, intervalMs: 60_000, now: () => now });
    recorder.used('a');
    recorder.used('a');
    recorder.used('b');
    now = 59_999;
    recorder.used('a');
    now = 60_000;
    recorder.used('a');
    expect(touched).toEqual(['a', 'b', 'a']);
  });

  it('reports a failed write and stays bounded', async () => {
    const errors: unknown[] = [];
    let now = 0;
    const recorder = createTokenUseRecorder({ touch: async () => Promise.reject(new Error('db down')), onError: (e) => errors.push(e), maxTokens: 2, now: () => now });
    recorder.used('a');
    recorder.used('b');
    now = 1;
    recorder.used('c');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(errors).toHaveLength(3);
  });
});
