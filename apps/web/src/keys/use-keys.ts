import { useCallback, useEffect, useRef, useState } from 'react';
import type { KeysApi } from '../api/byok-api.js';
import { messageOf } from '../api/http.js';
import type { KeyView, ProviderInfo } from '../api/types.js';
import { pollUntilSettled } from './poll-key.js';

export interface KeysState {
  providers: ProviderInfo[] | null;
  /** The owner's keys by id (several per provider since #14). */
  keys: ReadonlyMap<string, KeyView>;
  loadError: string | null;
  /** Ids of keys whose test this page started and has not seen finish. */
  testing: ReadonlySet<string>;
}

/**
 * The providers and the keys of one owner (the user's own or an organization's, by `api`), kept
 * in step with the server: every change the page makes is followed by the row the server
 * returns, and a key in `testing` is polled until it settles. `api` must be stable (memoized).
 */
export function useKeys(api: KeysApi) {
  const [state, setState] = useState<KeysState>({ providers: null, keys: new Map(), loadError: null, testing: new Set() });
  // Polls stop when the page goes away, so no state is set on an unmounted view.
  const alive = useRef(new AbortController());
  useEffect(() => {
    const controller = new AbortController();
    alive.current = controller;
    return () => controller.abort();
  }, []);

  const putKey = useCallback((key: KeyView) => {
    // Saves and edits answer without health (null); the last reading stays until the next listing.
    setState((s) => ({ ...s, keys: new Map(s.keys).set(key.id, { ...key, health: key.health ?? s.keys.get(key.id)?.health ?? null }) }));
  }, []);

  const dropKey = useCallback((id: string) => {
    setState((s) => {
      const keys = new Map(s.keys);
      keys.delete(id);
      return { ...s, keys };
    });
  }, []);

  const setTesting = useCallback((id: string, on: boolean) => {
    setState((s) => {
      const testing = new Set(s.testing);
      if (on) testing.add(id);
      else testing.delete(id);
      return { ...s, testing };
    });
  }, []);

  /** Polls one key until it leaves `testing`, updating its card on every answer. */
  const settle = useCallback(
    async (id: string): Promise<KeyView> => {
      const signal = alive.current.signal;
      return pollUntilSettled(() => api.key(id), { signal, onUpdate: (key) => !signal.aborted && putKey(key) });
    },
    [api, putKey],
  );

  const load = useCallback(async () => {
    setState((s) => ({ ...s, loadError: null }));
    try {
      const [providers, keys] = await Promise.all([api.providers(), api.keys()]);
      setState((s) => ({ ...s, providers, keys: new Map(keys.map((k) => [k.id, k])) }));
      // A test still running from before (another tab, a reload) settles on its own card.
      for (const key of keys) if (key.status === 'testing') void settle(key.id).catch(() => undefined);
    } catch (error) {
      setState((s) => ({ ...s, loadError: messageOf(error) }));
    }
  }, [api, settle]);

  useEffect(() => {
    void load();
  }, [load]);

  return { api, state, load, putKey, dropKey, setTesting, settle };
}

export type KeysModel = ReturnType<typeof useKeys>;
