import { testResultVerdict } from '@byok/routing';

/** The parts of a key's test state that routing reads. */
export interface RoutingView {
  testStatus: string;
  /** `metadata.validation.outcome`, or null when the key was never tested. */
  validationOutcome: string | null;
}

/**
 * True when proxies would route differently after this change, so it must be announced now rather
 * than found on their next cache reload. The rule is routing's own (`testResultVerdict`): an
 * `invalid` key is skipped, a `no_credit` one is noted; anything else (`testing` → `valid`, a new
 * message or latency) leaves the route as it was.
 */
export function changesRouting(before: RoutingView, after: RoutingView): boolean {
  const was = testResultVerdict(before);
  const is = testResultVerdict(after);
  return was.skipped !== is.skipped || was.reportedNoCredit !== is.reportedNoCredit;
}
