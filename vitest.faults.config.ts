import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// The fault-injection suites (test/faults/**): Redis and Postgres outages, SIGTERM and SIGKILL of
// real child processes, rotation under load. They are slow and stop throwaway servers, so the
// default config leaves them out of `npm test`; everything else (conditions, global setup, pool)
// is the default config's. One file at a time, so timings are not skewed by a neighbour.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/faults/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    maxWorkers: 1,
    testTimeout: 180_000,
  },
});
