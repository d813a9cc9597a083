// What other test code (chat routes in ./chat/, integration tests) uses from the mock.
export * from './fake-keys.js';
export * from './mock-auth.js';
export * from './mock-reply.js';
export * from './mock-route.js';
export * from './mock-server.js';
export * from './model-fixtures.js';
export * from './provider-replies.js';
export * from './sse-writer.js';
