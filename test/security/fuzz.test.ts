import { defineSchemaFuzzSuite } from './support/schema-fuzz-suite.js';

// The dedicated long fuzz run (`npm run test:security`); vitest.config.ts leaves it out of `npm test`,
// which runs the 300-request variant (schema-fuzz.quick.test.ts) instead. FUZZ_RUNS overrides the count.
defineSchemaFuzzSuite({ label: 'schema_fuzz', numRuns: Number(process.env.FUZZ_RUNS ?? 10_000), timeoutMs: 1_800_000 });
