export { buildApi } from './build-api.js';
export type { ApiDependencies } from './api-dependencies.js';
