import { useState } from 'react';
import { messageOf } from '../api/http.js';
import { useApp } from '../app/app-context.js';
import { useToast } from '../ui/toasts.js';

export interface CsvChoice<G extends string> {
  groupBy: G;
  label: string;
}

interface CsvExportProps<G extends string> {
  choices: ReadonlyArray<CsvChoice<G>>;
  /** The CSV route for a grouping over the range shown (the user's usage, or an org's). */
  pathOf: (groupBy: G) => string;
}

/**
 * CSV downloads of the range. A plain link cannot carry the bearer token, so the file is fetched
 * with it and handed to the browser as a blob download.
 */
export function CsvExport<G extends string>({ choices, pathOf }: CsvExportProps<G>) {
  const { client } = useApp();
  const notify = useToast();
  const [busy, setBusy] = useState<G | null>(null);

  async function download(groupBy: G) {
    setBusy(groupBy);
    try {
      const { blob, filename } = await client.download(pathOf(groupBy));
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

  return (
    <section className="csv-export" aria-labelledby="csv-title">
      <h2 id="csv-title">Export CSV</h2>
      <div className="actions">
        {choices.map((e) => (
          <button key={e.groupBy} type="button" className="button" onClick={() => void download(e.groupBy)} disabled={busy !== null}>
            {busy === e.groupBy ? 'Preparing…' : e.label}
            <span className="sr-only"> (CSV)</span>
          </button>
        ))}
      </div>
    </section>
  );
}
