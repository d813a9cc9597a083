import type { AuditExportFormat } from '../api/audit-query.js';
import { useDownload } from '../ui/use-download.js';

const FORMATS: ReadonlyArray<{ format: AuditExportFormat; label: string }> = [
  { format: 'csv', label: 'CSV' },
  { format: 'jsonl', label: 'JSON lines' },
];

/** Every record the filters match (not only the pages shown), as the API streams it. */
export function AuditExport({ pathOf }: { pathOf: (format: AuditExportFormat) => string }) {
  const { busy, download } = useDownload<AuditExportFormat>();
  return (
    <section className="csv-export" aria-labelledby="audit-export-title">
      <h2 id="audit-export-title">Export</h2>
      <p className="muted small">Every record that matches the filters, with all its fields.</p>
      <div className="actions">
        {FORMATS.map(({ format, label }) => (
          <button key={format} type="button" className="button" onClick={() => void download(format, pathOf(format))} disabled={busy !== null}>
            {busy === format ? 'Preparing…' : label}
            <span className="sr-only"> export of the records</span>
          </button>
        ))}
      </div>
    </section>
  );
}
