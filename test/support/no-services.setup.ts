import { Socket } from 'node:net';
import { afterEach } from 'vitest';
import { testServiceUrls } from './services.js';

/**
 * Setup of `npm run test:unit` (vitest.unit.config.ts): the fast loop runs only tests that need
 * neither Postgres nor Redis, and this makes a test that tries to reach either fail loudly rather
 * than slowly. Every TCP connection goes through `Socket.prototype.connect` (pg, ioredis, undici),
 * so a connection to the ports of the test services is refused there, and the test that tried is
 * failed after it ends even when a client swallowed the error and kept retrying. Such a test
 * belongs in the full run: add it to `NEEDS_SERVICES` in vitest.unit.config.ts. The patch is
 * installed once per worker: without isolation vitest runs setup files again for every test file.
 */
const INSTALLED = Symbol.for('byok.test.noServices');
type GuardState = { attempts: string[] };
const globals = globalThis as typeof globalThis & { [INSTALLED]?: GuardState };
globals[INSTALLED] ??= refuseServiceConnections();
const { attempts } = globals[INSTALLED];

function refuseServiceConnections(): GuardState {
  const urls = testServiceUrls();
  const servicePorts = new Map<number, string>([
    [Number(new URL(urls.postgresAdminUrl).port || 5432), 'Postgres'],
    [Number(new URL(urls.redisUrl).port || 6379), 'Redis'],
  ]);
  const state: GuardState = { attempts: [] };
  const connect = Socket.prototype.connect;
  Socket.prototype.connect = function connectUnlessService(this: Socket, ...args: unknown[]) {
    const service = servicePorts.get(portOf(args[0]));
    if (service !== undefined) {
      const message = `unit tests must not connect to ${service}: run this test with \`npm test\` and list it in NEEDS_SERVICES (vitest.unit.config.ts)`;
      state.attempts.push(message);
      throw new Error(message);
    }
    return (connect as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof Socket.prototype.connect;
  return state;
}

afterEach(() => {
  const message = attempts[0];
  attempts.length = 0;
  if (message !== undefined) throw new Error(message);
});

/** The port of `connect`'s first argument: a port, an options object, or `net.connect`'s normalized `[options, listener]`. */
function portOf(target: unknown): number {
  if (Array.isArray(target)) return portOf(target[0]);
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  if (typeof target === 'object' && target !== null && 'port' in target) return Number((target as { port: unknown }).port);
  return Number.NaN;
}
