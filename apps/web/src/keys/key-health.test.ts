import { describe, expect, it } from 'vitest';
import type { KeyHealth } from '../api/types.js';
import { healthLabel, healthStats } from './key-health.js';

const NOW = Date.parse('2026-12-06T18:00:00Z');
const health = (overrides: Partial<KeyHealth>): KeyHealth => ({ state: 'ok', cooldown_until: null, failing_since: null, last_15m: { requests: 0, errors: 0, p50_latency_ms: null }, ...overrides });

describe('healthLabel', () => {
  it('says each state in words', () => {
    expect(healthLabel(health({}), NOW)).toBe('OK');
    expect(healthLabel(health({ state: 'failing' }), NOW)).toBe('Failing');
    expect(healthLabel(health({ state: 'circuit_open' }), NOW)).toBe('Circuit open');
  });

  it('names when a cool-down or an open circuit ends, while it is still ahead', () => {
    expect(healthLabel(health({ state: 'cooling_down', cooldown_until: '2026-12-06T18:00:42Z' }), NOW)).toMatch(/^Cooling down until \S+/);
    expect(healthLabel(health({ state: 'circuit_open', cooldown_until: '2026-12-06T18:00:30Z' }), NOW)).toMatch(/^Circuit open until \S+/);
    expect(healthLabel(health({ state: 'cooling_down', cooldown_until: '2026-12-06T17:59:00Z' }), NOW)).toBe('Cooling down');
    expect(healthLabel(health({ state: 'cooling_down', cooldown_until: 'not a date' }), NOW)).toBe('Cooling down');
  });

  it('says since when a key is failing, and unknown health as unknown, never as OK', () => {
    expect(healthLabel(health({ state: 'failing', failing_since: '2026-12-06T17:58:00Z' }), NOW)).toMatch(/^Failing since \S+/);
    expect(healthLabel(null, NOW)).toBe('Health unknown');
    expect(healthStats(null)).toBe('Traffic of the last 15 minutes unavailable right now');
  });
});

describe('healthStats', () => {
  it('gives the last 15 minutes of requests, errors and p50', () => {
    expect(healthStats(health({ last_15m: { requests: 12, errors: 1, p50_latency_ms: 230.4 } }))).toBe('Last 15 minutes: 12 requests, 1 error, p50 230 ms');
    expect(healthStats(health({ last_15m: { requests: 1, errors: 0, p50_latency_ms: null } }))).toBe('Last 15 minutes: 1 request, 0 errors');
    expect(healthStats(health({}))).toBe('No requests in the last 15 minutes');
  });
});
