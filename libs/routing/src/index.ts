/**
 * @byok/routing: which credential serves a chat request (the pure decision in `decision/`), and
 * the per-process cache of each user's keys that feeds it (`cache/`).
 */
export * from './decision/index.js';
