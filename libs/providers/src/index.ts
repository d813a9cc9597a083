// Public surface of @byok/providers. One line per module so new modules append cleanly.
export * from './types.js';
export * from './provider-definition.js';
export * from './auth-headers.js';
export * from './registry/index.js';
export * from './registry/openai-compatible.base.js';
export * from './detection/model-detection.js';
export * from './key-format/key-format.check.js';
export * from './validation/index.js';
export * from './chat/index.js';
