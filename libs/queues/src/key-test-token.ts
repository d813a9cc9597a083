import { randomUUID } from 'node:crypto';
import type { KeyTestJob } from './job-schemas.js';

/**
 * The payload with a fresh `testToken` unless it already has one. A job keeps its token for life
 * (retries and stalled re-runs read the same data), so the token names one requested test, while a
 * new job for the same key version (after Redis lost its data, or a second manual test) gets
 * another one and is never mistaken for a test already recorded.
 */
export function withTestToken(payload: KeyTestJob): KeyTestJob {
  return payload.testToken === undefined ? { ...payload, testToken: randomUUID() } : payload;
}
