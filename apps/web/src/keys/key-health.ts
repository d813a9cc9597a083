import type { KeyHealth, KeyHealthState } from '../api/types.js';
import { formatNumber } from '../ui/format.js';

export const HEALTH_LABELS: Readonly<Record<KeyHealthState, string>> = {
  ok: 'OK',
  cooling_down: 'Cooling down',
  circuit_open: 'Circuit open',
  failing: 'Failing',
};

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * The health badge's words. A cool-down or an open circuit names when it ends (the proxy tries
 * the key no more until then), a failing key since when, in the reader's clock; a
 * time already past reads as the state alone, since the next listing will say what followed.
 * Null health (the store did not answer) reads as unknown rather than as OK.
 */
export function healthLabel(health: KeyHealth | null, nowMs = Date.now()): string {
  if (!health) return 'Health unknown';
  const label = HEALTH_LABELS[health.state];
  if ((health.state === 'cooling_down' || health.state === 'circuit_open') && health.cooldown_until) {
    const until = Date.parse(health.cooldown_until);
    if (!Number.isNaN(until) && until > nowMs) return `${label} until ${timeFormat.format(until)}`;
  }
  if (health.state === 'failing' && health.failing_since) {
    const since = Date.parse(health.failing_since);
    if (!Number.isNaN(since) && since <= nowMs) return `${label} since ${timeFormat.format(since)}`;
  }
  return label;
}

/** "12 requests, 1 error, p50 230 ms" over the last 15 minutes. */
export function healthStats(health: KeyHealth | null): string {
  if (!health) return 'Traffic of the last 15 minutes unavailable right now';
  const { requests, errors, p50_latency_ms: p50 } = health.last_15m;
  if (requests === 0) return 'No requests in the last 15 minutes';
  const parts = [plural(requests, 'request'), plural(errors, 'error')];
  if (p50 !== null) parts.push(`p50 ${formatNumber(Math.round(p50))} ms`);
  return `Last 15 minutes: ${parts.join(', ')}`;
}

function plural(count: number, noun: string): string {
  return `${formatNumber(count)} ${noun}${count === 1 ? '' : 's'}`;
}
