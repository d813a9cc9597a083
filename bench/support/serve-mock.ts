/**
 * Child process of the proxy benchmark: the mock provider server with its chat routes, alone in
 * its process so that its CPU is not the load generator's. Prints `READY <json>` when listening.
 */
import { chatRoutes } from '@byok/mock-providers/chat';
import { startMockProviders } from '@byok/mock-providers';
import { announceReady, stopOnSignal } from './child-process.js';

const mock = await startMockProviders({ extraRoutes: chatRoutes });
announceReady({ url: mock.url, baseUrls: mock.baseUrls });
stopOnSignal(() => mock.close());
