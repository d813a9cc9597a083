export * from './audit-log.repository.js';
export * from './provider-keys.repository.js';
