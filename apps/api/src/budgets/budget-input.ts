import { isKnownTimeZone, type BudgetAction, type BudgetScope } from '@byok/budgets';
import { AppError } from '@byok/http';

function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
}

/**
 * The runtime's zone names by lower case. Only the spelling's case is corrected from it: the
 * runtime's canonical names are ICU's older ones (`Asia/Calcutta` for `Asia/Kolkata`), which a
 * user who chose the current name should not see replaced.
 */
const ZONE_BY_LOWER_CASE = new Map([...Intl.supportedValuesOf('timeZone'), 'UTC'].map((zone) => [zone.toLowerCase(), zone]));

/** An IANA zone name, its case corrected where the runtime lists it (`europe/paris` → `Europe/Paris`); 400 for anything else. */
export function parseTimeZone(value: string): string {
  // The runtime also takes UTC offsets (`+05:30`), which have no daylight-saving rules and are no IANA names.
  if (!/^[A-Za-z]/.test(value) || !isKnownTimeZone(value)) throw invalid('body/time_zone', 'is not an IANA time zone name (for example Europe/Berlin or UTC)');
  return ZONE_BY_LOWER_CASE.get(value.toLowerCase()) ?? value;
}

/** `disable_key` disables the key a budget counts, so only key budgets can have it. */
export function checkAction(action: BudgetAction, scope: BudgetScope): void {
  if (action === 'disable_key' && scope !== 'key') throw invalid('body/action', `"disable_key" applies to key budgets only, not to scope "${scope}"`);
}

/** Thresholds in ascending order: the order they are crossed in. */
export function sortThresholds(thresholds: readonly number[]): number[] {
  return [...thresholds].sort((a, b) => a - b);
}

/** The body named no field to change. */
export function emptyPatch(): AppError {
  return invalid('body', 'name at least one of period, time_zone, limits, thresholds, action');
}
