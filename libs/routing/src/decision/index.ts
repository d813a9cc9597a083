// The pure routing decision: plain functions over plain data, no I/O.
export * from './route-decision.types.js';
export { decideRoute, needsCreditBalance, NOT_NEEDED } from './decide-route.js';
export { createModelResolver, resolveModelInfo, uncachedModelResolver, type ModelResolver, type ModelResolverOptions, type ModelRouteInfo } from './model-info.js';
export { DEFAULT_LABEL, findIndexedKey, indexUserKeys, keySetsOf, keySkipReason, keyInTurn, isUserKeyIndex, testResultVerdict, type TestResultVerdict } from './user-key-index.js';
export { orgKeySets, type OrgMemberKeys } from './org-key-sets.js';
export { compileAllowList } from './model-allow-list.js';
export { formatReceipt, receiptJson, MAX_RECEIPT_CHARS, type ReceiptCandidateJson, type RouteReceiptJson } from './receipt.js';
export { KEYS_PATH, byokOnlyMessage, noKeyMessage, unknownModelMessage, insufficientCreditsMessage, creditsUnknownMessage } from './route-messages.js';
