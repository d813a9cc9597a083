import { useDownload } from '../ui/use-download.js';

export interface CsvChoice<G extends string> {
  groupBy: G;
  label: string;
}

interface CsvExportProps<G extends string> {
  choices: ReadonlyArray<CsvChoice<G>>;
  /** The CSV route for a grouping over the range shown (the user's usage, or an org's). */
  pathOf: (groupBy: G) => string;
}

/** CSV downloads of the range, one per grouping. */
export function CsvExport<G extends string>({ choices, pathOf }: CsvExportProps<G>) {
  const { busy, download } = useDownload<G>();
  return (
    <section className="csv-export" aria-labelledby="csv-title">
      <h2 id="csv-title">Export CSV</h2>
      <div className="actions">
        {choices.map((e) => (
          <button key={e.groupBy} type="button" className="button" onClick={() => void download(e.groupBy, pathOf(e.groupBy))} disabled={busy !== null}>
            {busy === e.groupBy ? 'Preparing…' : e.label}
            <span className="sr-only"> (CSV)</span>
          </button>
        ))}
      </div>
    </section>
  );
}
