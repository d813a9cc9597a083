import { useCallback, useEffect, useState } from 'react';
import { messageOf } from '../api/http.js';
import type { AuditRecord } from '../api/types.js';
import { useApp } from '../app/app-context.js';
import { useDocumentTitle } from '../app/router.js';
import { EmptyState, ErrorNotice, Loading } from '../ui/feedback.js';
import { formatDateTime, formatRelative } from '../ui/format.js';
import { describeActor, describeAudit } from './describe-audit.js';

const PAGE_SIZE = 25;

/** Your audit trail, newest first, one cursor page at a time ("Show older"). */
export function ActivityPage() {
  useDocumentTitle('Activity');
  const { api, session } = useApp();
  const [items, setItems] = useState<AuditRecord[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<'loading' | 'idle' | 'more'>('loading');
  const [error, setError] = useState<string | null>(null);

  const loadPage = useCallback(
    async (from: string | null) => {
      setError(null);
      setState(from ? 'more' : 'loading');
      try {
        const page = await api.audit(from, PAGE_SIZE);
        setItems((current) => (from ? [...current, ...page.items] : page.items));
        setCursor(page.next_cursor);
      } catch (err) {
        setError(messageOf(err));
      } finally {
        setState('idle');
      }
    },
    [api],
  );
  useEffect(() => {
    void loadPage(null);
  }, [loadPage]);

  return (
    <section aria-labelledby="activity-title">
      <div className="page-head">
        <div>
          <h1 id="activity-title">Activity</h1>
          <p className="muted">Everything done to your keys and tokens, by you, an admin or the gateway itself. Records never contain key material.</p>
        </div>
      </div>
      {state === 'loading' ? <Loading label="Loading your activity…" /> : null}
      {error ? <ErrorNotice message={error} onRetry={() => void loadPage(items.length > 0 ? cursor : null)} /> : null}
      {state !== 'loading' && !error && items.length === 0 ? (
        <EmptyState title="Nothing yet">
          <p>Add a key and its record shows up here.</p>
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <ol className="activity" aria-label="Audit records, newest first">
          {items.map((r) => (
            <li key={r.id} data-testid="audit-item">
              <span className="activity-what">{describeAudit(r)}</span>
              <span className="muted small">
                {describeActor(r, session.userId)} ·{' '}
                <time dateTime={r.occurred_at} title={formatDateTime(r.occurred_at)}>
                  {formatRelative(r.occurred_at)}
                </time>
              </span>
            </li>
          ))}
        </ol>
      ) : null}
      {cursor && state !== 'loading' ? (
        <button type="button" className="button" onClick={() => void loadPage(cursor)} disabled={state === 'more'}>
          {state === 'more' ? 'Loading…' : 'Show older'}
        </button>
      ) : null}
    </section>
  );
}
