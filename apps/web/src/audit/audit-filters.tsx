import { useId } from 'react';
import type { AuditFilter } from '../api/audit-query.js';
import { PROVIDER_IDS, providerName } from '../api/provider-names.js';

/** The actions a reader may narrow to, in words; the API filters by the exact action name. */
const ACTIONS: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'key.created', label: 'Key added' },
  { value: 'key.replaced', label: 'Key replaced' },
  { value: 'key.updated', label: 'Key changed' },
  { value: 'key.tested', label: 'Key tested' },
  { value: 'key.enabled', label: 'Key enabled' },
  { value: 'key.disabled', label: 'Key disabled' },
  { value: 'key.deleted', label: 'Key deleted' },
  { value: 'token.created', label: 'Token created' },
  { value: 'token.revoked', label: 'Token revoked' },
  { value: 'org.member_added', label: 'Member added' },
  { value: 'org.member_role_changed', label: 'Member’s role changed' },
  { value: 'org.member_removed', label: 'Member removed or left' },
  { value: 'org.created', label: 'Organization created' },
  { value: 'org.updated', label: 'Organization settings changed' },
  { value: 'budget.created', label: 'Budget created' },
  { value: 'budget.updated', label: 'Budget changed' },
  { value: 'budget.deleted', label: 'Budget deleted' },
];

export function hasFilter(filter: AuditFilter): boolean {
  return Boolean(filter.action || filter.provider || filter.fromDay || filter.toDay);
}

/** Action, provider and a range of days; each change applies at once (the trail reads again from its newest record). */
export function AuditFilters({ filter, onChange }: { filter: AuditFilter; onChange: (filter: AuditFilter) => void }) {
  const id = useId();
  const set = (field: keyof AuditFilter, value: string) => {
    const { [field]: _, ...rest } = filter;
    onChange(value === '' ? rest : { ...rest, [field]: value });
  };
  return (
    <form className="inline-form audit-filters" aria-label="Filter the records" onSubmit={(e) => e.preventDefault()}>
      <div className="field field-fit">
        <label htmlFor={`${id}-action`}>Action</label>
        <select id={`${id}-action`} value={filter.action ?? ''} onChange={(e) => set('action', e.target.value)}>
          <option value="">Any action</option>
          {ACTIONS.map((a) => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-fit">
        <label htmlFor={`${id}-provider`}>Provider</label>
        <select id={`${id}-provider`} value={filter.provider ?? ''} onChange={(e) => set('provider', e.target.value)}>
          <option value="">Any provider</option>
          {PROVIDER_IDS.map((p) => (
            <option key={p} value={p}>
              {providerName(p)}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-fit">
        <label htmlFor={`${id}-from`}>From</label>
        <input id={`${id}-from`} type="date" value={filter.fromDay ?? ''} max={filter.toDay} onChange={(e) => set('fromDay', e.target.value)} />
      </div>
      <div className="field field-fit">
        <label htmlFor={`${id}-to`}>To</label>
        <input id={`${id}-to`} type="date" value={filter.toDay ?? ''} min={filter.fromDay} onChange={(e) => set('toDay', e.target.value)} />
      </div>
      {hasFilter(filter) ? (
        <button type="button" className="button button-quiet" onClick={() => onChange({})}>
          Clear filters
        </button>
      ) : null}
    </form>
  );
}
