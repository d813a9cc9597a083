import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// The security suites, including the long schema fuzz (test/security/fuzz*.test.ts) that the
// default config leaves out of `npm test`. Everything else (conditions, global setup, pool) is the
// default config's.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/security/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
  },
});
