import { defineConfig } from 'vitest/config';

/**
 * `npm run test:unit`: the fast loop. Only tests that need neither Postgres nor Redis: the
 * `*.test.ts(x)` files next to the code in apps/*\/src and libs/*\/src, the repository checks in
 * test/repo and the mock providers' tests in test/mock-providers (local HTTP only). A setup file
 * refuses connections to the test services, so a test that needs them fails loudly here; list it in NEEDS_SERVICES (it still runs in `npm test`, which runs everything).
 */
const NEEDS_SERVICES: string[] = [];

export default defineConfig({
  ssr: { resolve: { conditions: ['@byok/source'] } },
  test: {
    include: ['libs/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/src/**/*.test.tsx', 'test/repo/**/*.test.ts', 'test/mock-providers/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...NEEDS_SERVICES],
    setupFiles: ['test/support/no-services.setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Test files share each worker's module cache: fastify, MikroORM and OpenTelemetry load once per
    // worker rather than once per file, which makes the loop about five times faster. These tests
    // keep no state between files; `npm test` still isolates every file.
    isolate: false,
    testTimeout: 30_000,
    env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none', LOG_LEVEL: 'silent' },
  },
});
