/**
 * The page's "first meaningful content": the first view with real data (your key cards, or the
 * sign-in form). Marked once with the User Timing API, so a test or a person in devtools can read
 * `performance.getEntriesByName('byok:first-content')[0].startTime`, in ms since navigation start.
 */
export const FIRST_CONTENT_MARK = 'byok:first-content';

export function markFirstContent(): void {
  if (typeof performance === 'undefined' || performance.getEntriesByName(FIRST_CONTENT_MARK).length > 0) return;
  performance.mark(FIRST_CONTENT_MARK);
}
