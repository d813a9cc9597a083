import { ApiError, messageOf } from '../api/http.js';

/** A field of the budget form, as the API's 400 details name them below `body/`. */
export type BudgetField = 'scope' | 'scope_id' | 'period' | 'time_zone' | 'limits' | 'limits/requests' | 'limits/tokens' | 'limits/spend_micro_usd' | 'thresholds' | 'action';

const FIELDS: readonly BudgetField[] = ['scope', 'scope_id', 'period', 'time_zone', 'limits/requests', 'limits/tokens', 'limits/spend_micro_usd', 'limits', 'thresholds', 'action'];

export interface FormErrors {
  /** Messages by the field they belong beside. */
  fields: Partial<Record<BudgetField, string>>;
  /** What belongs to no one field (a 409, a 503, a 400 about the whole body). */
  form: string | null;
}

/**
 * Sorts an API failure onto the form: each detail beside the field its path names
 * (`body/thresholds/1` → thresholds), the rest above the buttons.
 */
export function formErrorsOf(error: unknown): FormErrors {
  const fields: FormErrors['fields'] = {};
  const details = error instanceof ApiError ? error.details : [];
  let unplaced = details.length === 0;
  for (const detail of details) {
    const path = detail.path.replace(/^body\/?/, '');
    const field = FIELDS.find((f) => path === f || path.startsWith(`${f}/`));
    if (field === undefined) unplaced = true;
    else fields[field] ??= detail.message;
  }
  return { fields, form: unplaced ? messageOf(error) : null };
}
