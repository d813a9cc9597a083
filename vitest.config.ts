import { defineConfig } from 'vitest/config';

// Workspace libraries are consumed from source through the `@byok/source` export condition,
// so tests never need a build step. Node-side resolution in vitest reads `ssr.resolve.conditions`.
export default defineConfig({
  ssr: { resolve: { conditions: ['@byok/source'] } },
  test: {
    include: ['libs/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/src/**/*.test.tsx', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/faults/**', 'test/security/fuzz*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    isolate: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none', LOG_LEVEL: 'silent' },
  },
});
