/**
 * Raw queries through MikroORM get timestamps as text (it installs string type parsers so it can
 * handle time zones itself). This turns them into Dates. Columns of the earlier system are
 * `timestamp` without a zone; they are read as UTC, the zone the service writes in.
 */
export function toDate(value: Date | string): Date {
  if (value instanceof Date) return value;
  const iso = value.includes('T') ? value : value.replace(' ', 'T');
  const hasZone = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/.test(iso);
  return new Date(hasZone ? iso.replace(/([+-]\d{2})$/, '$1:00') : `${iso}Z`);
}

export function toDateOrNull(value: Date | string | null): Date | null {
  return value === null ? null : toDate(value);
}
