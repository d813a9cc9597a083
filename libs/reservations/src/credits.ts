/**
 * The counter of a user's credits in flight: estimates of platform-key requests that run, and
 * charges that are settled but not yet in the credit ledger. Its scope is the user id. The proxy
 * reserves and settles on it; the usage consumer lets a charge lapse once the ledger has it.
 */
export const CREDITS_COUNTER = 'credits';
