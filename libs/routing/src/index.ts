/**
 * @byok/routing: which credential serves a chat request (the pure decision in `decision/`), the
 * per-process cache of each user's keys that feeds it (`cache/`), and `resolveRoute`, which joins
 * the two for the proxy.
 */
export * from './decision/index.js';
export * from './cache/index.js';
export { candidateCredential, resolveRoute, type ResolveOptions, type ResolvedRoute } from './resolve-route.js';
