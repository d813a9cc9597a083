import { describe, expect, it } from 'vitest';
import type { UsageMetrics } from '../api/types.js';
import { busiest } from './usage-series.js';

const group = (key: string, calls: number) => ({ key, calls }) as UsageMetrics & { key: string };

describe('busiest', () => {
  it('keeps the n groups with the most calls, busiest first, ties in key order', () => {
    const groups = [group('c', 5), group('a', 9), group('b', 5), group('d', 1)];
    expect(busiest(groups, 3)).toEqual(['a', 'b', 'c']);
    expect(busiest(groups, 10)).toEqual(['a', 'b', 'c', 'd']);
    expect(busiest([], 5)).toEqual([]);
  });
});
