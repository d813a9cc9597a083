import { useCallback, useEffect, useMemo, useState } from 'react';
import { messageOf } from '../api/http.js';
import { useApp } from '../app/app-context.js';
import { useDocumentTitle } from '../app/router.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';
import { Dialog } from '../ui/dialog.js';
import { EmptyState, ErrorNotice, Loading } from '../ui/feedback.js';
import { useToast } from '../ui/toasts.js';
import { BudgetForm } from './budget-form.js';
import { BudgetList } from './budget-list.js';
import { budgetsApi, type BudgetInput, type BudgetView } from './budgets-api.js';

type Editing = { kind: 'new' } | { kind: 'edit'; budget: BudgetView } | null;

/** Budgets: the user's and their organizations', with use against each limit; create, change, delete. */
export function BudgetsPage() {
  useDocumentTitle('Budgets');
  const { api, client } = useApp();
  const budgets = useMemo(() => budgetsApi(client), [client]);
  const notify = useToast();
  const [list, setList] = useState<BudgetView[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [choices, setChoices] = useState<{ providers: Array<{ id: string; name: string }>; keys: Array<{ id: string; name: string }> }>({ providers: [], keys: [] });
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<BudgetView | null>(null);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      setList(await budgets.list());
    } catch (error) {
      setLoadError(messageOf(error));
    }
  }, [budgets]);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    // Names for the provider and key choices; without them the budgets still show (by id).
    Promise.all([api.providers(), api.keys()])
      .then(([providers, keys]) =>
        setChoices({ providers: providers.map((p) => ({ id: p.id, name: p.name })), keys: keys.map((k) => ({ id: k.id, name: `${k.provider_name} “${k.label}”` })) }),
      )
      .catch(() => undefined);
  }, [api]);
  const keyNames = useMemo(() => new Map(choices.keys.map((k) => [k.id, k.name])), [choices.keys]);

  async function save(input: BudgetInput) {
    if (editing?.kind === 'edit') await budgets.update(editing.budget.id, input);
    else await budgets.create(input);
    notify('success', editing?.kind === 'edit' ? 'Budget saved. The gateway applies it to the next request.' : 'Budget created. The gateway applies it to the next request.');
    setEditing(null);
    await load();
  }

  return (
    <section aria-labelledby="budgets-title">
      <div className="page-head">
        <div>
          <h1 id="budgets-title">Budgets</h1>
          <p className="muted">Limit requests, tokens or spend per day, week or month. You are warned at each threshold; when a limit is reached, requests are refused, the key is skipped or disabled, or you are only notified.</p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setEditing({ kind: 'new' })}>
          New budget
        </button>
      </div>
      {loadError ? <ErrorNotice message={loadError} onRetry={() => void load()} /> : null}
      {!list && !loadError ? <Loading label="Loading your budgets…" /> : null}
      {list && list.length === 0 ? (
        <EmptyState title="No budgets yet">
          <p>Without a budget, nothing limits what your keys and credits are used for.</p>
        </EmptyState>
      ) : null}
      {list && list.length > 0 ? <BudgetList budgets={list} keyNames={keyNames} onEdit={(budget) => setEditing({ kind: 'edit', budget })} onDelete={setDeleting} /> : null}
      {editing ? (
        <Dialog title={editing.kind === 'edit' ? 'Change budget' : 'New budget'} onClose={() => setEditing(null)}>
          <BudgetForm {...(editing.kind === 'edit' ? { initial: editing.budget } : {})} providers={choices.providers} keys={choices.keys} onSubmit={save} onCancel={() => setEditing(null)} />
        </Dialog>
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title="Delete this budget?"
          description="Its limits stop applying with the next request."
          confirmLabel="Delete budget"
          busyLabel="Deleting…"
          onConfirm={async () => {
            await budgets.remove(deleting.id);
            notify('success', 'Budget deleted.');
            await load();
          }}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </section>
  );
}
