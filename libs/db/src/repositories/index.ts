export * from './audit-log.repository.js';
export * from './audit-query.repository.js';
export * from './credits.repository.js';
export * from './gateway-tokens.repository.js';
export * from './key-test-run.repository.js';
export * from './provider-keys.repository.js';
export * from './usage-events.repository.js';
export * from './usage-query.repository.js';
