import { type ReactNode, useEffect, useState } from 'react';
import type { KeysApi } from '../api/byok-api.js';
import type { KeyView, ProviderInfo } from '../api/types.js';
import { useApp } from '../app/app-context.js';
import { Link, useDocumentTitle } from '../app/router.js';
import { markFirstContent } from '../app/first-content.js';
import { KeyBudgetsProvider } from '../budgets/key-budget-warning.js';
import { EmptyState, ErrorNotice, Loading } from '../ui/feedback.js';
import { AddKeyDialog, type KeyTarget } from './add-key-dialog.js';
import { DeleteKeyDialog } from './delete-key-dialog.js';
import { FallbackSetting } from './fallback-setting.js';
import { KeyCard } from './key-card.js';
import { keysByProvider } from './key-pool.js';
import { KeyStats } from './key-stats.js';
import { useKeyActions } from './use-key-actions.js';
import { useKeys } from './use-keys.js';

type OpenDialog = { kind: 'add'; initial?: { provider: ProviderInfo; target: KeyTarget } } | { kind: 'delete'; key: KeyView } | null;

/** "Your keys": the user's own keys, with the "Never use platform credits" setting. */
export function KeysPage() {
  const { api } = useApp();
  return (
    <KeyPoolPage
      api={api}
      whose="your"
      title="Your API keys"
      intro={
        <>
          Keys you bring are used before the platform key, so those requests cost you no credits. With several keys for a provider, the first that can serve a request is
          tried, and the next takes over when it fails. <Link href="/account/about">How routing works</Link>
        </>
      }
      settings={<FallbackSetting />}
    />
  );
}

interface KeyPoolPageProps {
  /** Whose keys: the user's (`byokApi`) or an organization's (the same routes under the org). */
  api: KeysApi;
  /** The possessive the headings and dialogs use: "your", or "Acme’s". */
  whose: string;
  title: string;
  intro: ReactNode;
  /** Shown above the cards, e.g. the user's platform-credits switch. */
  settings?: ReactNode;
}

/**
 * One owner's keys: one card per provider with its keys in the order the proxy tries them, the
 * numbers and the owner's settings at the top, and the add/replace/delete dialogs.
 */
export function KeyPoolPage({ api, whose, title, intro, settings }: KeyPoolPageProps) {
  useDocumentTitle(title);
  const model = useKeys(api);
  const actions = useKeyActions(model);
  const { providers, keys, loadError, testing } = model.state;
  const [dialog, setDialog] = useState<OpenDialog>(null);

  useEffect(() => {
    if (providers) markFirstContent();
  }, [providers]);

  if (loadError && !providers) return <ErrorNotice message={loadError} onRetry={() => void model.load()} />;
  if (!providers) return <Loading label={`Loading ${whose} keys…`} />;

  const keyList = [...keys.values()];
  const grouped = keysByProvider(keyList);
  const ordered = [...providers].sort((a, b) => Number(b.recommended) - Number(a.recommended));
  const add = (provider: ProviderInfo, target: KeyTarget) => setDialog({ kind: 'add', initial: { provider, target } });

  return (
    <section aria-labelledby="keys-title">
      <div className="page-head">
        <div>
          <h1 id="keys-title">{title}</h1>
          <p className="muted">{intro}</p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setDialog({ kind: 'add' })}>
          Add a key
        </button>
      </div>
      <KeyStats keys={keyList} providerCount={providers.length} />
      {settings}
      {keyList.length === 0 ? (
        <EmptyState title={`Add ${whose} first key`}>
          <p>Start with OpenRouter: one key reaches hundreds of models. Keys are encrypted at rest and never shown again in full.</p>
          <button type="button" className="button button-primary" onClick={() => setDialog({ kind: 'add', ...(ordered[0] ? { initial: { provider: ordered[0], target: { kind: 'first' } } } : {}) })}>
            Add {whose} first key
          </button>
        </EmptyState>
      ) : null}
      <KeyBudgetsProvider>
        <div className="card-grid">
          {ordered.map((provider) => (
            <KeyCard
              key={provider.id}
              provider={provider}
              keys={grouped.get(provider.id) ?? []}
              testing={testing}
              onAdd={(p) => add(p, { kind: 'first' })}
              onAddAnother={(p) => add(p, { kind: 'another' })}
              onReplace={(key) => add(provider, { kind: 'replace', key })}
              onTest={(key) => void actions.test(key)}
              onToggle={(key) => void actions.toggle(key)}
              onDelete={(key) => setDialog({ kind: 'delete', key })}
              onMove={actions.move}
              onModels={actions.setModels}
              onExpiry={actions.setExpiry}
            />
          ))}
        </div>
      </KeyBudgetsProvider>
      {dialog?.kind === 'add' ? (
        <AddKeyDialog
          providers={providers}
          keys={keyList}
          whose={whose}
          {...(dialog.initial ? { initial: dialog.initial } : {})}
          save={actions.save}
          settle={model.settle}
          announce={actions.announce}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog?.kind === 'delete' ? (
        <DeleteKeyDialog keyView={dialog.key} whose={whose} name={actions.nameOf(dialog.key)} onConfirm={() => actions.remove(dialog.key)} onClose={() => setDialog(null)} />
      ) : null}
    </section>
  );
}
