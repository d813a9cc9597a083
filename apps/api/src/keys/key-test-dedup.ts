/**
 * Deduplication id of interactive key tests (on save and on the test button): tests of the same
 * key version share one job, so fifty clicks make one provider call. Scheduled re-validations use
 * a different id, because their jobs sit delayed for hours and must not swallow a click.
 */
export function interactiveTestDedupId(keyId: string, keyVersion: number): string {
  return `${keyId}:${keyVersion}:interactive`;
}
