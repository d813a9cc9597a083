import { useId } from 'react';
import type { KeyView, ProviderInfo } from '../api/types.js';
import { formatDateTime, formatNumber, formatRelative } from '../ui/format.js';
import { type CardStatus, cardStatus, STATUS_LABELS } from './key-status.js';

interface KeyCardProps {
  provider: ProviderInfo;
  keyView: KeyView | undefined;
  testing: boolean;
  onAdd: (provider: ProviderInfo) => void;
  onTest: (key: KeyView) => void;
  onToggle: (key: KeyView) => void;
  onDelete: (key: KeyView) => void;
}

/** One provider: whether you have a key for it, how its last test went, and what you can do. */
export function KeyCard({ provider, keyView, testing, onAdd, onTest, onToggle, onDelete }: KeyCardProps) {
  const titleId = useId();
  const status = cardStatus(keyView, testing);
  const name = provider.name;
  return (
    <article id={`key-${provider.id}`} className={`card key-card status-${status}`} aria-labelledby={titleId} data-provider={provider.id} data-status={status}>
      <header className="key-card-head">
        <h3 id={titleId}>{name}</h3>
        {provider.recommended ? <span className="badge badge-recommended">Recommended</span> : null}
        <StatusBadge status={status} />
      </header>
      <p className="muted small">{provider.recommended ? 'One key reaches hundreds of models across providers.' : provider.description}</p>
      {keyView ? <KeyDetails keyView={keyView} status={status} /> : null}
      <div className="actions">
        {keyView ? (
          <>
            <button type="button" className="button" onClick={() => onTest(keyView)} disabled={status === 'testing'}>
              Test<span className="sr-only"> {name} key</span>
            </button>
            <button type="button" className="button" onClick={() => onToggle(keyView)}>
              {keyView.enabled ? 'Disable' : 'Enable'}
              <span className="sr-only"> {name} key</span>
            </button>
            <button type="button" className="button" onClick={() => onAdd(provider)}>
              Replace<span className="sr-only"> {name} key</span>
            </button>
            <button type="button" className="button button-danger" onClick={() => onDelete(keyView)}>
              Delete<span className="sr-only"> {name} key</span>
            </button>
          </>
        ) : (
          <button type="button" className="button button-primary" onClick={() => onAdd(provider)}>
            Add key<span className="sr-only"> for {name}</span>
          </button>
        )}
      </div>
    </article>
  );
}

function StatusBadge({ status }: { status: CardStatus }) {
  return (
    <span className={`status status-badge-${status}`} data-testid="key-status">
      <span className="sr-only">Status: </span>
      {STATUS_LABELS[status]}
    </span>
  );
}

function KeyDetails({ keyView, status }: { keyView: KeyView; status: CardStatus }) {
  const problem = (status === 'invalid' || status === 'error') && keyView.last_test_message;
  return (
    <>
      <dl className="key-facts">
        <dt>Key</dt>
        <dd>
          <code className="masked">{keyView.masked_key}</code>
        </dd>
        <dt>Last tested</dt>
        <dd>
          {keyView.last_tested_at ? <time dateTime={keyView.last_tested_at} title={formatDateTime(keyView.last_tested_at)}>{formatRelative(keyView.last_tested_at)}</time> : 'Never'}
        </dd>
        <dt>Models reachable</dt>
        <dd>{keyView.models_count !== null ? formatNumber(keyView.models_count) : '—'}</dd>
      </dl>
      {problem ? (
        <p className="key-problem" data-testid="key-message">
          {keyView.last_test_message}
        </p>
      ) : null}
    </>
  );
}
