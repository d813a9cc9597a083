import { useState } from 'react';
import { messageOf } from '../api/http.js';
import { useApp } from '../app/app-context.js';
import { useToast } from './toasts.js';

/**
 * Downloads of API exports (CSV, JSON lines). A plain link cannot carry the bearer token, so the
 * file is fetched with it and handed to the browser as a blob download; the outcome is a toast.
 * `busy` names the export in flight, so its button can say so and the others wait.
 */
export function useDownload<K extends string>() {
  const { client } = useApp();
  const notify = useToast();
  const [busy, setBusy] = useState<K | null>(null);

  async function download(which: K, path: string) {
    setBusy(which);
    try {
      const { blob, filename } = await client.download(path);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      notify('success', `Downloaded ${filename}.`);
    } catch (error) {
      notify('error', messageOf(error));
    } finally {
      setBusy(null);
    }
  }

  return { busy, download };
}
