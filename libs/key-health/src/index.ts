/**
 * @byok/key-health: each user key's cool-down, circuit and recent stats, shared by every proxy
 * instance through Redis with a local copy for the request path (`createKeyHealthTracker`), and
 * read for listings and notifications (`createKeyHealthReader`).
 */
export type { KeyBlock, KeyFailure, KeyHealth, KeyHealthPolicy, KeyHealthState } from './key-health.types.js';
export { cooldownMs, DEFAULT_HEALTH_POLICY } from './health-policy.js';
export { createKeyHealthTracker, type KeyHealthTracker, type KeyHealthTrackerOptions } from './key-health-tracker.js';
export { createKeyHealthReader, type KeyHealthReader, type KeyHealthReaderOptions } from './key-health-reader.js';
export { forgetKeyHealth } from './forget-key-health.js';
export { histogramMedian, latencyBucket, LATENCY_BOUNDS_MS } from './latency-buckets.js';
