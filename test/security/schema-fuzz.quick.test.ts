import { defineSchemaFuzzSuite } from './support/schema-fuzz-suite.js';

// The quick fuzz run inside `npm test`; test/security/fuzz.test.ts is the long one (10,000 requests).
defineSchemaFuzzSuite({ label: 'schema_fuzz_quick', numRuns: 300, timeoutMs: 120_000 });
