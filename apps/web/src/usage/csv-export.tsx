import { useState } from 'react';
import type { DayRange } from '../api/byok-api.js';
import { messageOf } from '../api/http.js';
import type { UsageGrouping } from '../api/types.js';
import { useApp } from '../app/app-context.js';
import { useToast } from '../ui/toasts.js';

const EXPORTS: Array<{ groupBy: UsageGrouping; label: string }> = [
  { groupBy: 'day', label: 'By day' },
  { groupBy: 'provider', label: 'By provider' },
  { groupBy: 'model', label: 'By model' },
];

/**
 * CSV downloads of the range. A plain link cannot carry the bearer token, so the file is fetched
 * with it and handed to the browser as a blob download.
 */
export function CsvExport({ range }: { range: DayRange }) {
  const { api, client } = useApp();
  const notify = useToast();
  const [busy, setBusy] = useState<UsageGrouping | null>(null);

  async function download(groupBy: UsageGrouping) {
    setBusy(groupBy);
    try {
      const { blob, filename } = await client.download(api.usageCsvPath(groupBy, range));
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
        {EXPORTS.map((e) => (
          <button key={e.groupBy} type="button" className="button" onClick={() => void download(e.groupBy)} disabled={busy !== null}>
            {busy === e.groupBy ? 'Preparing…' : e.label}
            <span className="sr-only"> (CSV)</span>
          </button>
        ))}
      </div>
    </section>
  );
}
