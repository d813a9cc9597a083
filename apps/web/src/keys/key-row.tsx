import type { KeyView } from '../api/types.js';
import { KeyBudgetWarning } from '../budgets/key-budget-warning.js';
import { formatDateTime, formatNumber, formatRelative } from '../ui/format.js';
import { Switch } from '../ui/switch.js';
import { healthLabel, healthStats } from './key-health.js';
import type { MoveDirection } from './key-pool.js';
import { type CardStatus, cardStatus, STATUS_LABELS } from './key-status.js';
import { ExpiryEditor } from './expiry-editor.js';
import { ModelListEditor } from './model-list-editor.js';

export interface KeyRowActions {
  onTest: (key: KeyView) => void;
  onToggle: (key: KeyView) => void;
  onReplace: (key: KeyView) => void;
  onDelete: (key: KeyView) => void;
  onMove: (key: KeyView, direction: MoveDirection) => void;
  onModels: (key: KeyView, models: string[] | null) => Promise<void>;
  onExpiry: (key: KeyView, expiresAt: string | null) => Promise<void>;
}

interface KeyRowProps extends KeyRowActions {
  keyView: KeyView;
  /** The key's name in labels: "OpenAI key" alone, "OpenAI key “work”" among others. */
  name: string;
  testing: boolean;
  /** 1-based place in the provider's order, and how many keys there are (move buttons only with two or more). */
  position: number;
  count: number;
  /** Labels of keys with the same priority, which take turns with this one. */
  sharesWith: string[];
}

/** One key in its provider's list: what it is, how it is doing, and what you can do with it. */
export function KeyRow({ keyView, name, testing, position, count, sharesWith, ...actions }: KeyRowProps) {
  const status = cardStatus(keyView, testing);
  const health = keyView.health;
  const problem = (status === 'invalid' || status === 'error') && keyView.last_test_message;
  return (
    <li id={`key-${keyView.id}`} className="key-row" data-key-id={keyView.id} data-label={keyView.label} data-status={status} data-health={health?.state ?? 'unknown'}>
      <div className="key-row-head">
        <h4 className="key-label">{keyView.label}</h4>
        <StatusBadge status={status} />
        <span className={`status health-${health?.state ?? 'unknown'}`} data-testid="key-health">
          <span className="sr-only">Health: </span>
          {healthLabel(health)}
        </span>
      </div>
      <dl className="key-facts">
        <dt>Key</dt>
        <dd>
          <code className="masked">{keyView.masked_key}</code>
        </dd>
        <dt>Priority</dt>
        <dd data-testid="key-priority">
          {keyView.priority}
          {sharesWith.length > 0 ? <span className="muted"> · takes turns with {sharesWith.join(', ')}</span> : null}
        </dd>
        <dt>Last tested</dt>
        <dd>
          {keyView.last_tested_at ? <time dateTime={keyView.last_tested_at} title={formatDateTime(keyView.last_tested_at)}>{formatRelative(keyView.last_tested_at)}</time> : 'Never'}
        </dd>
        <dt>Models reachable</dt>
        <dd>{keyView.models_count !== null ? formatNumber(keyView.models_count) : '—'}</dd>
      </dl>
      <p className="muted small" data-testid="key-traffic">
        {healthStats(health)}
      </p>
      <KeyBudgetWarning keyId={keyView.id} />
      {problem ? (
        <p className="key-problem" data-testid="key-message">
          {keyView.last_test_message}
        </p>
      ) : null}
      <div className="actions">
        <span className="switch-field">
          <Switch checked={keyView.enabled} onChange={() => actions.onToggle(keyView)} label={`${name} enabled`} />
          <span aria-hidden="true">Enabled</span>
        </span>
        {count > 1 ? (
          <span className="move-buttons">
            <MoveButton direction="up" disabled={position === 1} name={name} onMove={() => actions.onMove(keyView, 'up')} />
            <MoveButton direction="down" disabled={position === count} name={name} onMove={() => actions.onMove(keyView, 'down')} />
          </span>
        ) : null}
      </div>
      <div className="actions">
        <button type="button" className="button" onClick={() => actions.onTest(keyView)} disabled={status === 'testing'}>
          Test<span className="sr-only"> {name}</span>
        </button>
        <button type="button" className="button" onClick={() => actions.onReplace(keyView)}>
          Replace<span className="sr-only"> {name}</span>
        </button>
        <button type="button" className="button button-danger" onClick={() => actions.onDelete(keyView)}>
          Delete<span className="sr-only"> {name}</span>
        </button>
      </div>
      <ModelListEditor models={keyView.models} keyName={name} onSave={(models) => actions.onModels(keyView, models)} />
      <ExpiryEditor expiresAt={keyView.expires_at} keyName={name} onSave={(expiresAt) => actions.onExpiry(keyView, expiresAt)} />
    </li>
  );
}

export function StatusBadge({ status, testId = 'key-status' }: { status: CardStatus; testId?: string }) {
  return (
    <span className={`status status-badge-${status}`} data-testid={testId}>
      <span className="sr-only">Status: </span>
      {STATUS_LABELS[status]}
    </span>
  );
}

/**
 * Move up or down. At the list's end it is aria-disabled rather than disabled, so focus that
 * lands on it after a move (the card puts it back on the moved key) is not thrown to the page.
 */
function MoveButton({ direction, disabled, name, onMove }: { direction: MoveDirection; disabled: boolean; name: string; onMove: () => void }) {
  return (
    <button type="button" className="button button-quiet" data-move={direction} aria-disabled={disabled} aria-label={`Move ${name} ${direction}`} onClick={() => !disabled && onMove()}>
      <span aria-hidden="true">{direction === 'up' ? '↑' : '↓'}</span>
    </button>
  );
}
