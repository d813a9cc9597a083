import { useCallback } from 'react';
import { ApiError, messageOf } from '../api/http.js';
import type { KeyView } from '../api/types.js';
import { useToast } from '../ui/toasts.js';
import { keyName, type MoveDirection, planMove } from './key-pool.js';
import { describeResult } from './key-status.js';
import type { KeysModel } from './use-keys.js';

/** The rate limit's answer in words, with the wait the server asked for. */
export function rateLimitMessage(error: ApiError): string {
  return `Too many tests, try again in ${error.retryAfterSeconds ?? 60} s`;
}

/** What the card buttons do, each ending in a toast that says how it went. */
export function useKeyActions(model: KeysModel) {
  const notify = useToast();
  const { api, putKey, dropKey, setTesting, settle, load } = model;
  const { keys } = model.state;

  /** The key's name as its card shows it (a lone default key is just "OpenAI key"). */
  const nameOf = useCallback((key: KeyView) => keyName(key, ![...keys.values()].some((k) => k.provider === key.provider && k.id !== key.id)), [keys]);

  const announce = useCallback(
    (key: KeyView) => notify(key.status === 'valid' ? 'success' : key.status === 'testing' ? 'info' : 'error', describeResult(key)),
    [notify],
  );

  const test = useCallback(
    async (key: KeyView) => {
      setTesting(key.id, true);
      try {
        const answer = await api.testKey(key.id);
        // 200 carries the verdict, 202 means the worker is still at it; either way the row is the truth.
        const tested = answer.done ? await api.key(key.id) : await settle(key.id);
        putKey(tested);
        announce(tested);
      } catch (error) {
        if (error instanceof ApiError && error.status === 429) notify('error', rateLimitMessage(error));
        else notify('error', messageOf(error));
      } finally {
        setTesting(key.id, false);
      }
    },
    [api, settle, putKey, announce, notify, setTesting],
  );

  const toggle = useCallback(
    async (key: KeyView) => {
      try {
        const updated = await api.updateKey(key.id, { enabled: !key.enabled });
        putKey(updated);
        notify('success', `${nameOf(key)} ${updated.enabled ? 'enabled' : 'disabled'}.`);
      } catch (error) {
        notify('error', messageOf(error));
      }
    },
    [api, putKey, notify, nameOf],
  );

  const remove = useCallback(
    async (key: KeyView) => {
      await api.deleteKey(key.id);
      dropKey(key.id);
      notify('success', `${nameOf(key)} deleted.`);
    },
    [api, dropKey, notify, nameOf],
  );

  /**
   * Moves a key a place up or down among its provider's keys (`ordered`, in priority order).
   * The changes go one at a time; if one fails, the list is read again so the page shows the
   * order the server actually has, and the toast says why.
   */
  const move = useCallback(
    async (ordered: readonly KeyView[], key: KeyView, direction: MoveDirection) => {
      const changes = planMove(ordered, key.id, direction);
      if (changes.length === 0) return;
      try {
        for (const change of changes) putKey(await api.updateKey(change.id, { priority: change.priority }));
        notify('info', `${nameOf(key)} moved ${direction}.`);
      } catch (error) {
        notify('error', messageOf(error));
        await load();
      }
    },
    [api, putKey, notify, nameOf, load],
  );

  /** Saves a key's model list; rejects with the API's reason (a 400 names the bad entry) for the editor to show. */
  const setModels = useCallback(
    async (key: KeyView, models: string[] | null) => {
      putKey(await api.updateKey(key.id, { models }));
    },
    [api, putKey],
  );

  /** Sets or clears (null) when a key stops working; rejects with the API's reason (a day past is a 400) for the editor to show. */
  const setExpiry = useCallback(
    async (key: KeyView, expiresAt: string | null) => {
      putKey(await api.updateKey(key.id, { expires_at: expiresAt }));
    },
    [api, putKey],
  );

  /**
   * Saves a key under `label` (the API's default label when absent); the caller watches the
   * returned row settle (see settle). `testFirst` replaces an existing key only once the new
   * one passed its test; a failure rejects with the API's reason and leaves the old key (and the
   * card) as they were.
   */
  const save = useCallback(
    async (provider: string, apiKey: string, allowUnrecognized: boolean, testFirst: boolean, label?: string): Promise<KeyView> => {
      const body = { provider, api_key: apiKey, ...(label ? { label } : {}), ...(allowUnrecognized ? { allow_unrecognized_format: true } : {}) };
      const key = await api.saveKey(body, { testFirst });
      putKey(key);
      return key;
    },
    [api, putKey],
  );

  return { test, toggle, remove, move, setModels, setExpiry, save, announce, nameOf };
}

export type KeyActions = ReturnType<typeof useKeyActions>;
