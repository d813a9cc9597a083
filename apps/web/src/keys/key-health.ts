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
 * The health badge's words. A cool-down or an open circuit names when it ends (the proxy skips
 * the key until then), in the reader's clock; one already over reads as its state alone, since
 * the next listing will say what followed.
 */
export function healthLabel(health: KeyHealth, nowMs = Date.now()): string {
  const label = HEALTH_LABELS[health.state];
  if ((health.state === 'cooling_down' || health.state === 'circuit_open') && health.cooldown_until) {
    const until = Date.parse(health.cooldown_until);
    if (!Number.isNaN(until) && until > nowMs) return `${label} until ${timeFormat.format(until)}`;
  }
  return label;
}

/** "12 requests, 1 error, p50 230 ms" over the last 15 minutes. */
export function healthStats(health: KeyHealth): string {
  const { requests, errors, p50_latency_ms: p50 } = health.last_15m;
  if (requests === 0) return 'No requests in the last 15 minutes';
  const parts = [plural(requests, 'request'), plural(errors, 'error')];
  if (p50 !== null) parts.push(`p50 ${formatNumber(Math.round(p50))} ms`);
  return `Last 15 minutes: ${parts.join(', ')}`;
}

function plural(count: number, noun: string): string {
  return `${formatNumber(count)} ${noun}${count === 1 ? '' : 's'}`;
}
