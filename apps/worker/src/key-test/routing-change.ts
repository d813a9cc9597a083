/** The parts of a key's test state that routing reads. */
export interface RoutingView {
  testStatus: string;
  /** `metadata.validation.outcome`, or null when the key was never tested. */
  validationOutcome: string | null;
}

/**
 * True when proxies would route differently after this change, so it must be announced now rather
 * than found on their next cache reload. Routing skips `invalid` keys and notes keys whose last
 * validation said `no_credit` (`keySkipReason` and `indexUserKeys` in @byok/routing, which the
 * worker does not depend on; routing-change.test.ts holds the two rules together).
 * Everything else (`testing` → `valid`, a new message or latency) leaves the route as it was.
 */
export function changesRouting(before: RoutingView, after: RoutingView): boolean {
  const skipped = (view: RoutingView): boolean => view.testStatus === 'invalid';
  const noCredit = (view: RoutingView): boolean => view.validationOutcome === 'no_credit';
  return skipped(before) !== skipped(after) || noCredit(before) !== noCredit(after);
}
