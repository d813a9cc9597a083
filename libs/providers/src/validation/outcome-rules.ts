import type { OutcomeRule, ValidationStatus } from './validation-spec.js';

/**
 * What a non-2xx status means when the provider has no rule of its own. 5xx and anything not
 * listed is `unreachable`: a key is never marked invalid on an answer we do not understand.
 */
export const DEFAULT_RULES: readonly OutcomeRule[] = [
  { status: 401, outcome: 'invalid' },
  { status: 403, outcome: 'invalid' },
  { status: 402, outcome: 'no_credit' },
  { status: 429, outcome: 'rate_limited' },
];

/** How an HTTP answer is read before the body is looked at in detail. */
export type StatusClass =
  | { kind: 'success' }
  | { kind: 'redirect' }
  | { kind: 'outcome'; status: ValidationStatus; matched: boolean };

/** Classifies a status (and, for provider rules, the body text) into a validation status. */
export function classifyStatus(httpStatus: number, text: string, providerRules: readonly OutcomeRule[]): StatusClass {
  if (httpStatus >= 200 && httpStatus < 300) return { kind: 'success' };
  if (httpStatus >= 300 && httpStatus < 400) return { kind: 'redirect' };
  for (const rule of [...providerRules, ...DEFAULT_RULES]) {
    if (rule.status !== httpStatus) continue;
    if (rule.bodyPattern && !rule.bodyPattern.test(text)) continue;
    return { kind: 'outcome', status: rule.outcome, matched: true };
  }
  return { kind: 'outcome', status: 'unreachable', matched: false };
}
