import { useMemo } from 'react';
import { useApp } from '../app/app-context.js';
import { useDocumentTitle } from '../app/router.js';
import { type AuditSource, AuditTrail } from '../audit/audit-trail.js';

/** Your audit trail: the records whose subject is you. */
export function ActivityPage() {
  useDocumentTitle('Activity');
  const { api } = useApp();
  const source = useMemo<AuditSource>(() => ({ page: api.audit, exportPath: api.auditExportPath }), [api]);
  return (
    <section aria-labelledby="activity-title">
      <div className="page-head">
        <div>
          <h1 id="activity-title">Activity</h1>
          <p className="muted">Everything done to your keys and tokens, by you, an admin or the gateway itself. Records never contain key material.</p>
        </div>
      </div>
      <AuditTrail source={source} emptyHint="Add a key and its record shows up here." />
    </section>
  );
}
