import { useCallback } from 'react';
import { ApiError, messageOf } from '../api/http.js';
import type { KeyView } from '../api/types.js';
import { useApp } from '../app/app-context.js';
import { useToast } from '../ui/toasts.js';
import { describeResult } from './key-status.js';
import type { KeysModel } from './use-keys.js';

/** The rate limit's answer in words, with the wait the server asked for. */
export function rateLimitMessage(error: ApiError): string {
  return `Too many tests, try again in ${error.retryAfterSeconds ?? 60} s`;
}

/** What the card buttons do, each ending in a toast that says how it went. */
export function useKeyActions(model: KeysModel) {
  const { api } = useApp();
  const notify = useToast();
  const { putKey, dropKey, setTesting, settle } = model;

  const announce = useCallback(
    (key: KeyView) => notify(key.status === 'valid' ? 'success' : key.status === 'testing' ? 'info' : 'error', describeResult(key)),
    [notify],
  );

  const test = useCallback(
    async (provider: string) => {
      setTesting(provider, true);
      try {
        const answer = await api.testKey(provider);
        // 200 carries the verdict, 202 means the worker is still at it; either way the row is the truth.
        const key = answer.done ? await api.key(provider) : await settle(provider);
        putKey(key);
        announce(key);
      } catch (error) {
        if (error instanceof ApiError && error.status === 429) notify('error', rateLimitMessage(error));
        else notify('error', messageOf(error));
      } finally {
        setTesting(provider, false);
      }
    },
    [api, settle, putKey, announce, notify, setTesting],
  );

  const toggle = useCallback(
    async (key: KeyView) => {
      try {
        const result = await api.setEnabled(key.provider, !key.enabled);
        putKey(await api.key(key.provider));
        notify('success', `${key.provider_name} key ${result.enabled ? 'enabled' : 'disabled'}.`);
      } catch (error) {
        notify('error', messageOf(error));
      }
    },
    [api, putKey, notify],
  );

  const remove = useCallback(
    async (key: KeyView) => {
      await api.deleteKey(key.provider);
      dropKey(key.provider);
      notify('success', `${key.provider_name} key deleted.`);
    },
    [api, dropKey, notify],
  );

  /**
   * Saves a key; the caller watches the returned row settle (see settle). `testFirst` replaces an
   * existing key only once the new one passed its test; a failure rejects with the API's reason
   * and leaves the old key (and the card) as they were.
   */
  const save = useCallback(
    async (provider: string, apiKey: string, allowUnrecognized: boolean, testFirst = false): Promise<KeyView> => {
      const key = await api.saveKey({ provider, api_key: apiKey, ...(allowUnrecognized ? { allow_unrecognized_format: true } : {}) }, { testFirst });
      putKey(key);
      return key;
    },
    [api, putKey],
  );

  return { test, toggle, remove, save, announce };
}
