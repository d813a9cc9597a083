// Test helpers shared by the route cache's unit tests: an in-memory key table and a hand-fired subscription.
import { createKeyring, generateKey } from '@byok/crypto';
import { createRouteCache, type KeyChangeSubscribe, type RouteCacheDeps } from './route-cache.js';
import type { StoredUserKey } from './stored-user-key.js';

export const keyring = createKeyring([generateKey()]);

export function row(userId: string, provider: string, plaintext: string, overrides: Partial<StoredUserKey> = {}): StoredUserKey {
  return { id: `${userId}-${provider}`, provider, apiKeyEncrypted: keyring.encrypt(plaintext), enabled: true, testStatus: 'valid', ...overrides };
}

/** A loader over an in-memory table that counts calls and can be held open or made to fail. */
export function fakeLoader() {
  const table = new Map<string, StoredUserKey[]>();
  const calls: string[] = [];
  let gate: Promise<void> | null = null;
  let failWith: Error | null = null;
  const load = async (userId: string): Promise<StoredUserKey[]> => {
    calls.push(userId);
    const rows = table.get(userId) ?? [];
    if (gate !== null) await gate;
    if (failWith !== null) throw failWith;
    return rows;
  };
  return {
    table,
    calls,
    load,
    hold(): () => void {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = () => {
          gate = null;
          resolve();
        };
      });
      return release;
    },
    fail(error: Error | null) {
      failWith = error;
    },
  };
}

/** A subscription whose callbacks the test fires by hand. */
export function fakeSubscription() {
  const state = { onMessage: (_userId: string) => {}, onReconnect: () => {}, unsubscribed: 0 };
  const subscribe: KeyChangeSubscribe = async (onMessage, onReconnect) => {
    state.onMessage = onMessage;
    state.onReconnect = onReconnect;
    return async () => {
      state.unsubscribed++;
    };
  };
  return { state, subscribe };
}

export function setup(overrides: Partial<RouteCacheDeps> = {}) {
  const loader = fakeLoader();
  const subscription = fakeSubscription();
  const clock = { now: 1_000_000 };
  const cache = createRouteCache({
    loadUserKeys: loader.load,
    keyring,
    subscribe: subscription.subscribe,
    now: () => clock.now,
    ...overrides,
  });
  return { cache, loader, subscription, clock };
}

export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
