import { useEffect, useState } from 'react';
import type { KeyView, ProviderInfo } from '../api/types.js';
import { Link, useDocumentTitle } from '../app/router.js';
import { markFirstContent } from '../app/first-content.js';
import { EmptyState, ErrorNotice, Loading } from '../ui/feedback.js';
import { AddKeyDialog } from './add-key-dialog.js';
import { DeleteKeyDialog } from './delete-key-dialog.js';
import { KeyCard } from './key-card.js';
import { KeyStats } from './key-stats.js';
import { useKeyActions } from './use-key-actions.js';
import { useKeys } from './use-keys.js';

type OpenDialog = { kind: 'add'; provider?: ProviderInfo } | { kind: 'delete'; key: KeyView } | null;

/** "Your keys": one card per provider, the numbers at the top, and the add/replace/delete dialogs. */
export function KeysPage() {
  useDocumentTitle('Your API keys');
  const model = useKeys();
  const actions = useKeyActions(model);
  const { providers, keys, loadError, testing } = model.state;
  const [dialog, setDialog] = useState<OpenDialog>(null);

  useEffect(() => {
    if (providers) markFirstContent();
  }, [providers]);

  if (loadError && !providers) return <ErrorNotice message={loadError} onRetry={() => void model.load()} />;
  if (!providers) return <Loading label="Loading your keys…" />;

  const keyList = [...keys.values()];
  const ordered = [...providers].sort((a, b) => Number(b.recommended) - Number(a.recommended));

  return (
    <section aria-labelledby="keys-title">
      <div className="page-head">
        <div>
          <h1 id="keys-title">Your API keys</h1>
          <p className="muted">
            Keys you bring are used before the platform key, so those requests cost you no credits. <Link href="/account/about">How routing works</Link>
          </p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setDialog({ kind: 'add' })}>
          Add a key
        </button>
      </div>
      <KeyStats keys={keyList} providerCount={providers.length} />
      {keyList.length === 0 ? (
        <EmptyState title="Add your first key">
          <p>Start with OpenRouter: one key reaches hundreds of models. Keys are encrypted at rest and never shown again in full.</p>
          <button type="button" className="button button-primary" onClick={() => setDialog({ kind: 'add', ...(ordered[0] ? { provider: ordered[0] } : {}) })}>
            Add your first key
          </button>
        </EmptyState>
      ) : null}
      <div className="card-grid">
        {ordered.map((provider) => (
          <KeyCard
            key={provider.id}
            provider={provider}
            keyView={keys.get(provider.id)}
            testing={testing.has(provider.id)}
            onAdd={(p) => setDialog({ kind: 'add', provider: p })}
            onTest={(key) => void actions.test(key.provider)}
            onToggle={(key) => void actions.toggle(key)}
            onDelete={(key) => setDialog({ kind: 'delete', key })}
          />
        ))}
      </div>
      {dialog?.kind === 'add' ? (
        <AddKeyDialog
          providers={providers}
          keys={keys}
          {...(dialog.provider ? { initialProvider: dialog.provider } : {})}
          save={actions.save}
          settle={model.settle}
          announce={actions.announce}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog?.kind === 'delete' ? <DeleteKeyDialog keyView={dialog.key} onConfirm={() => actions.remove(dialog.key)} onClose={() => setDialog(null)} /> : null}
    </section>
  );
}
