import { type ReactNode, useCallback, useState } from 'react';
import type { AuditExportFormat, AuditFilter } from '../api/audit-query.js';
import { messageOf } from '../api/http.js';
import type { AuditPage } from '../api/types.js';
import { useApp } from '../app/app-context.js';
import { EmptyState, ErrorNotice, Loading } from '../ui/feedback.js';
import { formatDateTime, formatRelative } from '../ui/format.js';
import { AuditExport } from './audit-export.js';
import { AuditFilters, hasFilter } from './audit-filters.js';
import { describeActor, describeAudit } from './describe-audit.js';
import { useAuditPages } from './use-audit-pages.js';

/** Where a trail's records come from: the user's audit route or an organization's (the same query on both). */
export interface AuditSource {
  page: (filter: AuditFilter, cursor: string | null) => Promise<AuditPage>;
  exportPath: (filter: AuditFilter, format: AuditExportFormat) => string;
}

interface AuditTrailProps {
  /** Stable (memoized): a new source reads the trail again from its newest record. */
  source: AuditSource;
  /** What to read while there is no record yet, for this trail's owner. */
  emptyHint: string;
  /** Shown instead of the error notice for a refusal the page explains itself (null: not one). */
  refusal?: (error: unknown) => ReactNode | null;
}

/**
 * An audit trail, newest first, one cursor page at a time ("Show older"), with filters and
 * exports: the user's Activity and an organization's share it.
 */
export function AuditTrail({ source, emptyHint, refusal }: AuditTrailProps) {
  const { session } = useApp();
  const [filter, setFilter] = useState<AuditFilter>({});
  const readPage = useCallback((cursor: string | null) => source.page(filter, cursor), [source, filter]);
  const { items, cursor, state, error, loadOlder, retry } = useAuditPages(readPage);
  const refused = error ? (refusal?.(error) ?? null) : null;
  if (refused) return refused;

  return (
    <>
      <AuditFilters filter={filter} onChange={setFilter} />
      {state === 'loading' ? <Loading label="Loading the records…" /> : null}
      {error ? <ErrorNotice message={messageOf(error)} onRetry={retry} /> : null}
      {state !== 'loading' && !error && items.length === 0 ? (
        <EmptyState title={hasFilter(filter) ? 'No record matches these filters' : 'Nothing yet'}>
          <p>{hasFilter(filter) ? 'Widen the filters or clear them.' : emptyHint}</p>
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <ol className="activity" aria-label="Audit records, newest first">
          {items.map((r) => (
            <li key={r.id} data-testid="audit-item">
              <span className="activity-what">{describeAudit(r, session.userId)}</span>
              <span className="muted small">
                <span className="sr-only">By </span>
                <span data-testid="audit-actor">{describeActor(r, session.userId)}</span> ·{' '}
                <time dateTime={r.occurred_at} title={formatDateTime(r.occurred_at)}>
                  {formatRelative(r.occurred_at)}
                </time>
              </span>
            </li>
          ))}
        </ol>
      ) : null}
      {cursor && state !== 'loading' ? (
        <button type="button" className="button" onClick={loadOlder} disabled={state === 'more'}>
          {state === 'more' ? 'Loading…' : 'Show older'}
        </button>
      ) : null}
      <AuditExport pathOf={(format) => source.exportPath(filter, format)} />
    </>
  );
}
