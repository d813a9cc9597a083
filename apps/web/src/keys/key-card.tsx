import { useEffect, useId, useRef, useState } from 'react';
import type { KeyView, ProviderInfo } from '../api/types.js';
import { keyName, type MoveDirection, sharesLoadWith } from './key-pool.js';
import { KeyRow, type KeyRowActions, StatusBadge } from './key-row.js';
import { providerStatus } from './key-status.js';

interface KeyCardProps extends Omit<KeyRowActions, 'onMove'> {
  provider: ProviderInfo;
  /** The provider's keys in priority order (the order the proxy tries them). */
  keys: KeyView[];
  testing: ReadonlySet<string>;
  onAdd: (provider: ProviderInfo) => void;
  onAddAnother: (provider: ProviderInfo) => void;
  onMove: (ordered: KeyView[], key: KeyView, direction: MoveDirection) => Promise<unknown>;
}

/** One provider: its keys in the order they are tried, and adding one more. */
export function KeyCard({ provider, keys, testing, onAdd, onAddAnother, onMove, ...rowActions }: KeyCardProps) {
  const titleId = useId();
  const status = providerStatus(keys, testing);
  const name = provider.name;
  const article = useRef<HTMLElement>(null);
  const [focusRequest, setFocusRequest] = useState<{ id: string; direction: MoveDirection } | null>(null);
  const moving = useRef(false);

  // A moved row is re-inserted in the DOM, which drops focus; once the new order is rendered,
  // put it back on the same key's button (the other direction's if the key is now at the end).
  useEffect(() => {
    if (!focusRequest) return;
    const row = article.current?.querySelector(`[data-key-id="${CSS.escape(focusRequest.id)}"]`);
    const same = row?.querySelector<HTMLButtonElement>(`[data-move="${focusRequest.direction}"]`);
    const other = row?.querySelector<HTMLButtonElement>(`[data-move="${focusRequest.direction === 'up' ? 'down' : 'up'}"]`);
    (same?.getAttribute('aria-disabled') === 'true' ? other : same)?.focus();
    setFocusRequest(null);
  }, [focusRequest]);

  async function move(key: KeyView, direction: MoveDirection) {
    // One move at a time: the next one is planned from the order this one leaves.
    if (moving.current) return;
    moving.current = true;
    try {
      await onMove(keys, key, direction);
      // Moved or not (a failure reloads the list), focus stays with the key that was pressed.
      setFocusRequest({ id: key.id, direction });
    } finally {
      moving.current = false;
    }
  }

  return (
    <article ref={article} id={`key-${provider.id}`} className={`card key-card status-${status}`} aria-labelledby={titleId} data-provider={provider.id} data-status={status}>
      <header className="key-card-head">
        <h3 id={titleId}>{name}</h3>
        {provider.recommended ? <span className="badge badge-recommended">Recommended</span> : null}
        <StatusBadge status={status} testId="provider-status" />
      </header>
      <p className="muted small">{provider.recommended ? 'One key reaches hundreds of models across providers.' : provider.description}</p>
      {keys.length > 0 ? (
        <ol className="key-list" aria-label={`${name} keys, in the order they are tried`}>
          {keys.map((key, index) => (
            <KeyRow
              key={key.id}
              keyView={key}
              name={keyName(key, keys.length === 1)}
              testing={testing.has(key.id)}
              position={index + 1}
              count={keys.length}
              sharesWith={sharesLoadWith(key, keys).map((k) => k.label)}
              onMove={(k, direction) => void move(k, direction)}
              {...rowActions}
            />
          ))}
        </ol>
      ) : null}
      <div className="actions">
        {keys.length > 0 ? (
          <button type="button" className="button" onClick={() => onAddAnother(provider)}>
            Add another key<span className="sr-only"> for {name}</span>
          </button>
        ) : (
          <button type="button" className="button button-primary" onClick={() => onAdd(provider)}>
            Add key<span className="sr-only"> for {name}</span>
          </button>
        )}
      </div>
    </article>
  );
}
