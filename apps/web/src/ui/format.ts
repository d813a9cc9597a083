/** Display formatting, in the reader's locale. */

const numberFormat = new Intl.NumberFormat();
const compactFormat = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export function formatNumber(value: number): string {
  return numberFormat.format(value);
}

export function formatCompact(value: number): string {
  return compactFormat.format(value);
}

/**
 * Money arrives as micro-units (exact integers). Cents are enough from a cent up; below it, two
 * significant digits, so a request's fraction of a cent does not read as zero.
 */
export function formatAmount(micro: number): string {
  const amount = micro / 1_000_000;
  if (amount !== 0 && Math.abs(amount) < 0.01) return amount.toLocaleString(undefined, { maximumSignificantDigits: 2 });
  return amount.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function formatDollars(micro: number): string {
  return micro < 0 ? `-$${formatAmount(-micro)}` : `$${formatAmount(micro)}`;
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "2 minutes ago"; falls back to the date for anything unparsable. */
export function formatRelative(iso: string, nowMs = Date.now()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  let value = (at - nowMs) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return formatDateTime(iso);
}
