export { loadStandaloneConfig } from './standalone-config.js';
